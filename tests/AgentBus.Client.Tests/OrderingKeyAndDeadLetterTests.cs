using System.Collections.Concurrent;
using System.Globalization;
using AgentBus.Broker;
using AgentBus.Client.Consuming;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests;

public sealed class OrderingKeyAndDeadLetterTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    [Fact]
    public async Task An_ordering_key_finer_than_the_lite_topic_runs_keys_concurrently_and_keeps_each_key_in_order()
    {
        var broker = shared.Broker;
        const string parent = "agents-keyed";
        broker.CreateLiteParent(parent);
        const int keys = 6, perKey = 20;
        var running = 0;
        var maxRunning = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new ConcurrentDictionary<string, List<int>>();
        await using var consumer = await broker.LiteConsumerAsync("keyed", async (message, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            int max;
            while ((max = Volatile.Read(ref maxRunning)) < now && Interlocked.CompareExchange(ref maxRunning, now, max) != max)
            {
            }

            if (now >= keys)
            {
                gate.TrySetResult();
            }

            // Hold the first listeners until every key runs at once (or give up after a while): proves concurrency.
            await Task.WhenAny(gate.Task, Task.Delay(TimeSpan.FromSeconds(2), ct));
            var list = seen.GetOrAdd(message.Properties["key"], _ => []);
            lock (list)
            {
                list.Add(int.Parse(message.Text(), CultureInfo.InvariantCulture));
            }

            Interlocked.Decrement(ref running);
            return ConsumeResult.Success;
        }, parent, configure: b => b.SetConsumptionParallelism(keys).SetOrderingKey(m => m.Properties.GetValueOrDefault("key")));
        await consumer.SubscribeLiteAsync("one-inbox");
        await using var producer = await broker.ProducerAsync();

        for (int i = 0; i < perKey; i++)
        {
            for (int k = 0; k < keys; k++)
            {
                await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic(parent).SetLiteTopic("one-inbox")
                    .AddProperty("key", $"k{k}").SetBody(i.ToString(CultureInfo.InvariantCulture)).Build());
            }
        }

        await Eventually.TrueAsync(() => seen.Values.Sum(l => { lock (l) { return l.Count; } }) >= keys * perKey, TimeSpan.FromSeconds(30));
        Assert.Equal(keys, Volatile.Read(ref maxRunning));
        foreach (var list in seen.Values)
        {
            Assert.Equal(Enumerable.Range(0, perKey), list);
        }
    }

    [Fact]
    public async Task A_dead_letter_result_moves_the_message_to_the_dead_letter_queue_at_once_and_the_next_one_follows()
    {
        var broker = shared.Broker;
        const string parent = "agents-dead-letter";
        broker.CreateLiteParent(parent);
        var collector = new Collector(m => m.Text() == "poison" ? ConsumeResult.DeadLetter : ConsumeResult.Success);
        await using var consumer = await broker.LiteConsumerAsync("poisoned", collector.Listener, parent);
        await consumer.SubscribeLiteAsync("inbox");
        await using var producer = await broker.ProducerAsync();

        await producer.SendAsync(broker.Lite("inbox", "poison", parent));
        await producer.SendAsync(broker.Lite("inbox", "good", parent));

        await collector.WaitForCountAsync(2);
        Assert.Equal(["poison", "good"], collector.Messages.Select(m => m.Text()));
        Assert.All(collector.Messages, m => Assert.Equal(1, m.DeliveryAttempt));
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(parent, "inbox", "poisoned")?.Committed == 2, what: "both settled");
        var dead = await broker.Engine.ReceiveAsync("dlq-reader", BrokerEngine.DeadLetterTopic("poisoned"), null, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));
        Assert.Equal("poison", System.Text.Encoding.UTF8.GetString(Assert.Single(dead).Message.Body.Span));
    }

    [Fact]
    public async Task A_retry_with_its_own_delay_is_redelivered_with_the_next_attempt_after_that_delay()
    {
        var broker = shared.Broker;
        const string parent = "agents-retry";
        broker.CreateLiteParent(parent);
        var collector = new Collector(m => m.DeliveryAttempt == 1 ? ConsumeResult.Retry(TimeSpan.Zero) : ConsumeResult.Success);
        await using var consumer = await broker.LiteConsumerAsync("retrying", collector.Listener, parent);
        await consumer.SubscribeLiteAsync("inbox");
        await using var producer = await broker.ProducerAsync();

        await producer.SendAsync(broker.Lite("inbox", "once more", parent));

        await collector.WaitForCountAsync(2, TimeSpan.FromSeconds(5));
        Assert.Equal([1, 2], collector.Messages.Select(m => m.DeliveryAttempt));
    }
}
