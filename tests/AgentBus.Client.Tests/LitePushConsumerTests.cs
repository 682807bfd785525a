using System.Collections.Concurrent;
using AgentBus.Client.Consuming;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests;

public sealed class LitePushConsumerTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    [Fact]
    public async Task A_subscribed_lite_topic_is_consumed_and_acked()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("workers", collector.Listener);
        await consumer.SubscribeLiteAsync("session-1");
        await using var producer = await broker.ProducerAsync();

        var receipt = await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic(Scenario.Parent).SetLiteTopic("session-1")
            .SetTag("greeting").SetKeys("k").AddProperty("trace", "t-1").SetBody("hello").Build());

        await collector.WaitForCountAsync(1);
        var message = collector.Messages.Single();
        Assert.Equal(receipt.MessageId, message.MessageId);
        Assert.Equal("session-1", message.LiteTopic);
        Assert.Equal(Scenario.Parent, message.Topic);
        Assert.Equal("hello", message.Text());
        Assert.Equal("greeting", message.Tag);
        Assert.Equal("t-1", message.Properties["trace"]);
        Assert.Equal(1, message.DeliveryAttempt);
        Assert.False(message.Corrupted);
        Assert.Contains("session-1", consumer.LiteTopics);
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "session-1", "workers")?.Committed == 1, what: "ack committed");
    }

    [Fact]
    public async Task Messages_of_each_lite_topic_are_consumed_in_order_with_parallelism_across_lite_topics()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        const int topics = 8, perTopic = 60;
        var running = 0;
        var maxRunning = 0;
        var seen = new ConcurrentDictionary<string, List<int>>();
        await using var consumer = await broker.LiteConsumerAsync("ordered", async (message, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            await Task.Yield();
            var list = seen.GetOrAdd(message.LiteTopic!, _ => []);
            lock (list)
            {
                list.Add(int.Parse(message.Text(), System.Globalization.CultureInfo.InvariantCulture));
            }

            Interlocked.Decrement(ref running);
            return ConsumeResult.Success;
        }, configure: b => b.SetConsumptionParallelism(4));
        for (int t = 0; t < topics; t++)
        {
            await consumer.SubscribeLiteAsync($"lt-{t}");
        }

        await using var producer = await broker.ProducerAsync();
        var sends = new List<Task>();
        for (int t = 0; t < topics; t++)
        {
            string lite = $"lt-{t}";
            sends.Add(Task.Run(async () =>
            {
                for (int i = 0; i < perTopic; i++)
                {
                    await producer.SendAsync(broker.Lite(lite, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }));
        }

        await Task.WhenAll(sends);
        await Eventually.TrueAsync(() => seen.Values.Sum(l => { lock (l) { return l.Count; } }) >= topics * perTopic, TimeSpan.FromSeconds(30));
        foreach (var (lite, list) in seen)
        {
            Assert.Equal(Enumerable.Range(0, perTopic), list);
        }

        Assert.InRange(maxRunning, 1, 4);
    }

    [Fact]
    public async Task A_failure_is_redelivered_with_the_next_attempt()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        var collector = new Collector(m => m.DeliveryAttempt < 3 ? ConsumeResult.Failure : ConsumeResult.Success);
        await using var consumer = await broker.LiteConsumerAsync("retrying", collector.Listener);
        await consumer.SubscribeLiteAsync("flaky");
        await using var producer = await broker.ProducerAsync();

        await producer.SendAsync(broker.Lite("flaky", "payload"));

        await collector.WaitForCountAsync(3);
        Assert.Equal([1, 2, 3], collector.Messages.Select(m => m.DeliveryAttempt));
        Assert.Single(collector.Messages.Select(m => m.MessageId).Distinct());
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "flaky", "retrying")?.Committed == 1, what: "acked after retries");
    }

    [Fact]
    public async Task A_fifo_group_redelivers_a_failed_message_locally_and_keeps_the_lite_topic_in_order()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        broker.Engine.Topics.CreateGroup(new Broker.Topics.ConsumerGroupDefinition("ordered-fifo", Scenario.Parent, Fifo: true, MaxDeliveryAttempts: 5));
        var seen = new ConcurrentQueue<(string Body, int Attempt)>();
        var collector = new Collector(m =>
        {
            seen.Enqueue((m.Text(), m.DeliveryAttempt));
            return m.Text() == "1" && m.DeliveryAttempt < 3 ? ConsumeResult.Failure : ConsumeResult.Success;
        });
        await using var consumer = await broker.LiteConsumerAsync("ordered-fifo", collector.Listener);
        await consumer.SubscribeLiteAsync("steps");
        await using var producer = await broker.ProducerAsync();

        await producer.SendAsync([broker.Lite("steps", "0"), broker.Lite("steps", "1"), broker.Lite("steps", "2"), broker.Lite("steps", "3")]);

        await collector.WaitForCountAsync(6);
        Assert.Equal([("0", 1), ("1", 1), ("1", 2), ("1", 3), ("2", 1), ("3", 1)], seen);
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "steps", "ordered-fifo")?.Committed == 4, what: "all acked");
    }

    [Fact]
    public async Task A_listener_exception_counts_as_a_failure_and_the_consumer_keeps_going()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        int calls = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = new ConcurrentQueue<(string Body, int Attempt)>();
        await using var consumer = await broker.LiteConsumerAsync("throwing", (message, _) =>
        {
            attempts.Enqueue((message.Text(), message.DeliveryAttempt));
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("listener bug");
            }

            if (attempts.Contains(("first", 2)) && attempts.Any(a => a.Body == "second"))
            {
                done.TrySetResult();
            }

            return ValueTask.FromResult(ConsumeResult.Success);
        });
        await consumer.SubscribeLiteAsync("buggy");
        await using var producer = await broker.ProducerAsync();

        await producer.SendAsync(broker.Lite("buggy", "first"));
        await producer.SendAsync(broker.Lite("buggy", "second"));

        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains(("first", 2), attempts);
    }

    [Fact]
    public async Task Suspend_pauses_the_lite_topic_without_counting_an_attempt()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        var firstSeen = DateTimeOffset.MinValue;
        var collector = new Collector(m =>
        {
            if (firstSeen == DateTimeOffset.MinValue)
            {
                firstSeen = DateTimeOffset.UtcNow;
                return ConsumeResult.Suspend(TimeSpan.FromMilliseconds(500));
            }

            return ConsumeResult.Success;
        });
        await using var consumer = await broker.LiteConsumerAsync("suspending", collector.Listener);
        await consumer.SubscribeLiteAsync("paused");
        await using var producer = await broker.ProducerAsync();

        await producer.SendAsync(broker.Lite("paused", "only"));

        await collector.WaitForCountAsync(2);
        var deliveries = collector.Messages.ToList();
        Assert.Equal(deliveries[0].MessageId, deliveries[1].MessageId);
        Assert.Equal(1, deliveries[1].DeliveryAttempt);
        Assert.True(DateTimeOffset.UtcNow - firstSeen >= TimeSpan.FromMilliseconds(400), "redelivered before the suspend time");
    }

    [Fact]
    public async Task Two_consumers_of_one_group_get_only_their_own_lite_topics()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        var a = new Collector();
        var b = new Collector();
        await using var consumerA = await broker.LiteConsumerAsync("gateways", a.Listener);
        await using var consumerB = await broker.LiteConsumerAsync("gateways", b.Listener);
        await consumerA.SubscribeLiteAsync("reply-a");
        await consumerB.SubscribeLiteAsync("reply-b");
        await using var producer = await broker.ProducerAsync();

        for (int i = 0; i < 10; i++)
        {
            await producer.SendAsync(broker.Lite("reply-a", $"a{i}"));
            await producer.SendAsync(broker.Lite("reply-b", $"b{i}"));
        }

        await a.WaitForCountAsync(10);
        await b.WaitForCountAsync(10);
        Assert.All(a.Messages, m => Assert.Equal("reply-a", m.LiteTopic));
        Assert.All(b.Messages, m => Assert.Equal("reply-b", m.LiteTopic));
        Assert.Equal(["reply-a"], broker.Engine.LiteSubscriptionsOf(consumerA.ClientId));
        Assert.Equal(["reply-b"], broker.Engine.LiteSubscriptionsOf(consumerB.ClientId));
    }

    [Fact]
    public async Task Unsubscribe_removes_the_lite_topic_locally_and_on_the_broker()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        await using var consumer = await broker.LiteConsumerAsync("unsub", new Collector().Listener);
        await consumer.SubscribeLiteAsync("x");
        await consumer.SubscribeLiteAsync("y");
        Assert.Equal(["x", "y"], broker.Engine.LiteSubscriptionsOf(consumer.ClientId).Order());

        await consumer.UnsubscribeLiteAsync("x");

        Assert.Equal(["y"], consumer.LiteTopics);
        Assert.Equal(["y"], broker.Engine.LiteSubscriptionsOf(consumer.ClientId));
    }

    [Fact]
    public async Task Subscribing_from_the_minimum_offset_replays_earlier_messages()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        await using var producer = await broker.ProducerAsync();
        await producer.SendAsync(broker.Lite("history", "old-1"));
        await producer.SendAsync(broker.Lite("history", "old-2"));
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("replay", collector.Listener);

        await consumer.SubscribeLiteAsync("history", OffsetOption.MinOffset);

        await collector.WaitForCountAsync(2);
        Assert.Equal(["old-1", "old-2"], collector.Messages.Select(m => m.Text()));
    }

    [Fact]
    public async Task Flow_control_holds_at_most_the_cache_limit_of_unsettled_messages()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        await using var consumer = await broker.LiteConsumerAsync("slow", async (message, ct) =>
        {
            Interlocked.Increment(ref started);
            await release.Task.WaitAsync(ct);
            return ConsumeResult.Success;
        }, configure: b => b.SetMaxCacheMessageCount(4).SetConsumptionParallelism(16));
        for (int t = 0; t < 10; t++)
        {
            await consumer.SubscribeLiteAsync($"s{t}");
        }

        await using var producer = await broker.ProducerAsync();
        for (int t = 0; t < 10; t++)
        {
            await producer.SendAsync(broker.Lite($"s{t}", "x"));
        }

        await Eventually.TrueAsync(() => Volatile.Read(ref started) == 4);
        await Task.Delay(300); // negative check: nothing beyond the limit arrives
        Assert.Equal(4, consumer.CachedMessages);
        Assert.Equal(4, Volatile.Read(ref started));
        release.SetResult();
        await Eventually.TrueAsync(() => Volatile.Read(ref started) == 10);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
