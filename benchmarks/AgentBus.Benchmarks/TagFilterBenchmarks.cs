using AgentBus.Broker;
using AgentBus.Broker.Consumption;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;
using BenchmarkDotNet.Attributes;

namespace AgentBus.Benchmarks;

/// <summary>
/// A consumer with a tag filter drains 10,000 messages of which 10 % match, on a normal topic (4 queues) or a lite
/// parent (10 lite topics). <see cref="PopAndAckRejected"/> is what the server did before the engine filtered: pop
/// every message, acknowledge the rejected ones, keep the rest. <see cref="EngineFilter"/> hands the filter to the
/// engine, which consumes the rejected ones as it pops. The accepted ones are acknowledged as a consumer would.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
public class TagFilterBenchmarks
{
    private const int Messages = 10_000;
    private const int Batch = 32;
    private static readonly TimeSpan Invisible = TimeSpan.FromMinutes(5);
    private static readonly TagFilter Wanted = TagFilter.Parse("wanted");
    private string _directory = "";
    private BrokerEngine _engine = null!;
    private string _topic = "";

    [Params(false, true)]
    public bool Lite { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentbus-bench-tagfilter-" + Guid.NewGuid().ToString("N"));
        _engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = _directory });
        if (Lite)
        {
            _topic = "agents";
            _engine.SyncLiteSubscription("c1", "g", _topic, LiteSyncAction.PartialAdd,
                [.. Enumerable.Range(0, 10).Select(i => $"t{i}")]);
        }
        else
        {
            _topic = "orders";
            _engine.Topics.CreateTopic(new TopicDefinition(_topic, TopicMessageType.Normal, QueueCount: 4));
            _engine.Topics.ResolveGroup("g");
        }
    }

    [IterationSetup]
    public void Fill()
    {
        var body = new byte[256];
        for (int i = 0; i < Messages; i++)
        {
            var message = new MessageRecord
            {
                Topic = _topic,
                LiteTopic = Lite ? $"t{i % 10}" : null,
                QueueId = Lite ? 0 : i % 4,
                MessageId = "m",
                Tag = i % 10 == 0 ? "wanted" : "other",
                Body = body,
            };
            _engine.SendAsync(message).AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark(Baseline = true)]
    public async Task<int> PopAndAckRejected()
    {
        int accepted = 0;
        while (true)
        {
            var batch = await ReceiveAsync();
            if (batch.Count == 0)
            {
                return Check(accepted);
            }

            foreach (var delivery in batch)
            {
                accepted += delivery.Message.Tag == "wanted" ? 1 : 0;
                _engine.Ack("g", delivery.ReceiptHandle); // the accepted ones by the consumer, the rest as filtered out
            }
        }
    }

    [Benchmark]
    public async Task<int> EngineFilter()
    {
        int accepted = 0;
        while (true)
        {
            var batch = Lite
                ? await _engine.ReceiveLiteAsync("c1", "g", _topic, Batch, Invisible, TimeSpan.Zero, Wanted)
                : await _engine.ReceiveAsync("g", _topic, null, Batch, Invisible, TimeSpan.Zero, Wanted);
            if (batch.Count == 0)
            {
                return Check(accepted);
            }

            foreach (var delivery in batch)
            {
                accepted++;
                _engine.Ack("g", delivery.ReceiptHandle);
            }
        }
    }

    private ValueTask<IReadOnlyList<Delivery>> ReceiveAsync() => Lite
        ? _engine.ReceiveLiteAsync("c1", "g", _topic, Batch, Invisible, TimeSpan.Zero)
        : _engine.ReceiveAsync("g", _topic, null, Batch, Invisible, TimeSpan.Zero);

    private static int Check(int accepted) =>
        accepted == Messages / 10 ? accepted : throw new InvalidOperationException($"{accepted} accepted, expected {Messages / 10}.");

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _engine.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
