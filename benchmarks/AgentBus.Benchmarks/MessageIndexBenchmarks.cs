using AgentBus.Broker;
using AgentBus.Broker.Messages;
using BenchmarkDotNet.Attributes;

namespace AgentBus.Benchmarks;

/// <summary>
/// What the message index (lookup by message id or key) adds to an append: engine-level sends of 1 KB lite messages,
/// each with its own id and one key, with the index off (capacity 0) and on at its default capacity. The pool of
/// distinct ids is larger than a run writes, so the index's table grows as it would on a busy broker.
/// </summary>
[MemoryDiagnoser]
public class MessageIndexBenchmarks
{
    private const int Batch = 10_000;
    private const int Distinct = 200_000;
    private string _directory = "";
    private BrokerEngine _engine = null!;
    private MessageRecord[] _messages = [];
    private int _next;

    [Params(0, 1_000_000)]
    public int IndexCapacity { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentbus-bench-index-" + Guid.NewGuid().ToString("N"));
        _engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = _directory, MessageIndexCapacity = IndexCapacity, LogRetention = null });
        var body = new byte[1024];
        _messages = [.. Enumerable.Range(0, Distinct).Select(i => new MessageRecord
        {
            Topic = "agents", LiteTopic = $"t{i % 100}", MessageId = $"0A0B0C0D0E0F{i:X20}", Keys = [$"order-{i}"], Body = body,
        })];
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task Send()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _engine.SendAsync(_messages[_next]);
            _next = (_next + 1) % Distinct;
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _engine.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>
/// The message index alone at its default capacity, already full (each add overwrites the oldest entry): indexing one
/// message with its id and one key, as every append does under the engine's append lock.
/// </summary>
[MemoryDiagnoser]
public class MessageIndexAddBenchmarks
{
    private const int Batch = 10_000;
    private const int Capacity = 1_000_000;
    private Broker.Lookup.MessageIndex _index = null!;
    private string[] _ids = [];
    private string[][] _keys = [];
    private long _position;

    [GlobalSetup]
    public void Setup()
    {
        _index = new Broker.Lookup.MessageIndex(Capacity);
        _ids = [.. Enumerable.Range(0, Capacity).Select(i => $"0A0B0C0D0E0F{i:X20}")];
        _keys = [.. Enumerable.Range(0, Capacity).Select(i => new[] { $"order-{i}" })];
        for (int i = 0; i < Capacity / 2; i++)
        {
            Add(i);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void Add()
    {
        for (int i = 0; i < Batch; i++)
        {
            Add((int)(_position % Capacity));
        }
    }

    private void Add(int i) => _index.Add(_ids[i], _keys[i], _position++ * 1024, _position);
}
