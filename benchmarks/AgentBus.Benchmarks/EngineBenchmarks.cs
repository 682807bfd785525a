using AgentBus.Broker;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;
using BenchmarkDotNet.Attributes;

namespace AgentBus.Benchmarks;

/// <summary>Pop + ack through the ready set, in process: one client, 100 lite topics, messages pre-sent per iteration.</summary>
[MemoryDiagnoser]
[InvocationCount(1)]
public class PopAckBenchmarks
{
    private const int Messages = 100_000;
    private const int LiteTopics = 100;
    private string _directory = "";
    private BrokerEngine _engine = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentbus-bench-popack-" + Guid.NewGuid().ToString("N"));
        _engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = _directory });
        _engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd,
            [.. Enumerable.Range(0, LiteTopics).Select(i => $"t{i}")]);
    }

    [IterationSetup]
    public void Fill()
    {
        var body = new byte[1024];
        for (int i = 0; i < Messages; i++)
        {
            _engine.SendAsync(new MessageRecord { Topic = "agents", LiteTopic = $"t{i % LiteTopics}", MessageId = "m", Body = body })
                .AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task PopAndAck()
    {
        int done = 0;
        while (done < Messages)
        {
            var batch = await _engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromMinutes(5), TimeSpan.Zero);
            foreach (var delivery in batch)
            {
                _engine.Ack("g", delivery.ReceiptHandle);
            }

            done += batch.Count;
            if (batch.Count == 0)
            {
                throw new InvalidOperationException($"Ready set ran dry after {done} messages.");
            }
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _engine.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>Engine-level send of 1 KB lite messages (append + index + dispatch), async flush.</summary>
[MemoryDiagnoser]
public class EngineSendBenchmarks
{
    private const int Batch = 10_000;
    private string _directory = "";
    private BrokerEngine _engine = null!;
    private MessageRecord[] _messages = [];

    [Params(0, 1)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentbus-bench-send-" + Guid.NewGuid().ToString("N"));
        _engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = _directory, ReadySetCapacity = 1000 });
        var body = new byte[1024];
        _messages = [.. Enumerable.Range(0, 100).Select(i => new MessageRecord { Topic = "agents", LiteTopic = $"t{i}", MessageId = $"m{i}", Body = body })];
        if (Subscribers > 0)
        {
            _engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, [.. _messages.Select(m => m.LiteTopic!)]);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task Send()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _engine.SendAsync(_messages[i % _messages.Length]);
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
/// A client's periodic reconciliation: COMPLETE_ADD listing the 2,000 lite topics it already holds (the per-client
/// quota), as every lite consumer sends every 30 s. Nothing changes; the cost is the registry's bookkeeping.
/// </summary>
[MemoryDiagnoser]
public class LiteReconcileBenchmarks
{
    private string _directory = "";
    private BrokerEngine _engine = null!;
    private string[] _held = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentbus-bench-reconcile-" + Guid.NewGuid().ToString("N"));
        _engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = _directory });
        _held = [.. Enumerable.Range(0, 2000).Select(i => $"t{i}")];
        _engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, _held);
    }

    [Benchmark]
    public SyncLiteSubscriptionResult CompleteAdd2000() =>
        _engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.CompleteAdd, _held);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _engine.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>
/// An empty long poll, an idle agent's normal state: a lite receive on a client whose ready set stays empty, ending
/// at its 1 ms long-poll timeout. What it costs beyond the millisecond is the wait's machinery.
/// </summary>
[MemoryDiagnoser]
public class EmptyLongPollBenchmarks
{
    private string _directory = "";
    private BrokerEngine _engine = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentbus-bench-poll-" + Guid.NewGuid().ToString("N"));
        _engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = _directory });
        _engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["idle"]);
    }

    [Benchmark]
    public async Task<int> EmptyPoll()
    {
        using var call = new CancellationTokenSource(); // a gRPC call's token, as the server passes one
        var batch = await _engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), call.Token);
        return batch.Count;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _engine.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
