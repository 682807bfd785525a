using AgentBus.Client.Consuming;
using AgentBus.Client.Tests.Infrastructure;
using AgentBus.Server.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Client.Tests;

/// <summary>Push consumers' continuous receive and ack linger: fewer calls for a steady flow, nothing lost or reordered.</summary>
public sealed class ContinuousReceiveTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_steady_flow_to_one_lite_topic_is_consumed_in_order_with_one_receive_call_when_continuous(bool continuous)
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        var metrics = broker.Broker.Services.GetRequiredService<BrokerMetrics>();
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("streams", collector.Listener, configure: b => b.SetContinuousReceive(continuous));
        await consumer.SubscribeLiteAsync("reply-1");
        await using var producer = await broker.ProducerAsync();
        await Eventually.TrueAsync(() => metrics.WaitingReceives == 1, what: "the consumer's first poll waits");
        long receivesBefore = metrics.ReceiveCalls;

        // One message at a time, as a streamed reply arrives: each is consumed before the next is sent.
        const int count = 40;
        for (int i = 0; i < count; i++)
        {
            await producer.SendAsync(broker.Lite("reply-1", $"token {i}"));
            await collector.WaitForCountAsync(i + 1);
        }

        Assert.Equal(Enumerable.Range(0, count).Select(i => $"token {i}"), collector.Messages.Select(m => m.Text()));
        long receives = metrics.ReceiveCalls - receivesBefore;
        if (continuous)
        {
            Assert.True(receives <= 2, $"{receives} receive calls for {count} messages");
        }
        else
        {
            // A one-shot receive ends with each message; the consumer's poll after the last one may not have arrived yet.
            Assert.True(receives >= count - 1, $"{receives} receive calls for {count} messages");
        }

        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "reply-1", "streams")?.Committed == count, what: "all acked");
    }

    [Fact]
    public async Task Acks_of_a_steady_flow_share_calls_within_the_linger()
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        var metrics = broker.Broker.Services.GetRequiredService<BrokerMetrics>();
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("lingering", collector.Listener,
            configure: b => b.SetAckLinger(TimeSpan.FromMilliseconds(500)));
        await consumer.SubscribeLiteAsync("reply-1");
        await using var producer = await broker.ProducerAsync();
        long acksBefore = metrics.AckCalls;

        const int count = 20;
        for (int i = 0; i < count; i++)
        {
            await producer.SendAsync(broker.Lite("reply-1", $"token {i}"));
            await collector.WaitForCountAsync(i + 1);
        }

        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "reply-1", "lingering")?.Committed == count, what: "all acked");
        long acks = metrics.AckCalls - acksBefore;
        Assert.True(acks <= 5, $"{acks} ack calls for {count} messages consumed one after another");
    }

    [Fact]
    public async Task Closing_a_consumer_in_the_middle_of_a_continuous_receive_loses_nothing()
    {
        var broker = shared.Broker;
        const string parent = "agents-handover";
        broker.CreateLiteParent(parent);
        var first = new Collector();
        var consumer = await broker.LiteConsumerAsync("handover", first.Listener, parent);
        await consumer.SubscribeLiteAsync("reply-1");
        await using var producer = await broker.ProducerAsync();
        for (int i = 0; i < 10; i++)
        {
            await producer.SendAsync(broker.Lite("reply-1", $"early {i}", parent));
        }

        await first.WaitForCountAsync(10);
        await consumer.DisposeAsync();
        for (int i = 0; i < 10; i++)
        {
            await producer.SendAsync(broker.Lite("reply-1", $"late {i}", parent));
        }

        var second = new Collector();
        await using var successor = await broker.LiteConsumerAsync("handover", second.Listener, parent);
        await successor.SubscribeLiteAsync("reply-1");
        await second.WaitForCountAsync(10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"late {i}"), second.Messages.Select(m => m.Text()));
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(parent, "reply-1", "handover")?.Committed == 20, what: "all acked");
    }

    [Fact]
    public async Task A_continuous_receive_ends_at_the_consumers_byte_limit()
    {
        var broker = shared.Broker;
        const string parent = "agents-bytes";
        broker.CreateLiteParent(parent);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        // 64 KB bodies against a 256 KB limit: four messages fill it, though the count limit would allow 1,024.
        await using var consumer = await broker.LiteConsumerAsync("bytes", async (message, ct) =>
        {
            Interlocked.Increment(ref started);
            await release.Task.WaitAsync(ct);
            return ConsumeResult.Success;
        }, parent, configure: b => b.SetMaxCacheMessageCount(1024).SetMaxCacheMessageSizeInBytes(256 * 1024).SetConsumptionParallelism(64));
        const int topics = 40;
        for (int t = 0; t < topics; t++)
        {
            await consumer.SubscribeLiteAsync($"s{t}");
        }

        await using var producer = await broker.ProducerAsync();
        var body = new byte[64 * 1024];
        var messages = Enumerable.Range(0, topics)
            .Select(t => broker.Provider.NewMessageBuilder().SetTopic(parent).SetLiteTopic($"s{t}").SetBody(body).Build());
        await Task.WhenAll(messages.Select(m => producer.SendAsync(m)));

        await Eventually.TrueAsync(() => Volatile.Read(ref started) >= 4, what: "the limit filled");
        await Task.Delay(300); // negative check: nothing beyond it arrives while the bytes are at the limit
        Assert.Equal(4, consumer.CachedMessages);
        release.SetResult();
        await Eventually.TrueAsync(() => Volatile.Read(ref started) == topics, what: "the rest after the release");
    }
}
