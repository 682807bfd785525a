using AgentBus.Client.Consuming;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests;

public sealed class ResilienceTests
{
    [Fact]
    public async Task A_running_lite_push_consumer_resumes_after_the_broker_restarts()
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        broker.Expect(_ => true); // clients cut off by the stop are logged by the broker
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("durable", collector.Listener);
        await consumer.SubscribeLiteAsync("journal");
        await using var producer = await broker.ProducerAsync();
        for (int i = 0; i < 5; i++)
        {
            await producer.SendAsync(broker.Lite("journal", $"before-{i}"));
        }

        await collector.WaitForCountAsync(5);
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "journal", "durable")?.Committed == 5, what: "acks before restart");
        long streams = consumer.TelemetryStreams;

        await broker.RestartAsync();

        // The producer reconnects on its own; its retries cover the moment the port comes back.
        for (int i = 0; i < 5; i++)
        {
            await producer.SendAsync(broker.Lite("journal", $"after-{i}"));
        }

        await collector.WaitForCountAsync(10, TimeSpan.FromSeconds(30));
        var bodies = collector.Messages.Select(m => m.Text()).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"before-{i}").Concat(Enumerable.Range(0, 5).Select(i => $"after-{i}")), bodies);
        Assert.True(consumer.TelemetryStreams > streams, "the Telemetry stream reconnected");
        Assert.Equal(["journal"], broker.Engine.LiteSubscriptionsOf(consumer.ClientId));
    }

    [Fact]
    public async Task Messages_sent_while_the_broker_was_down_for_the_consumer_are_delivered_from_the_committed_offset()
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        broker.Expect(_ => true);
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("catch-up", collector.Listener);
        await consumer.SubscribeLiteAsync("inbox");
        await using var producer = await broker.ProducerAsync();
        await producer.SendAsync(broker.Lite("inbox", "m0"));
        await collector.WaitForCountAsync(1);
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "inbox", "catch-up")?.Committed == 1);

        await broker.StopAsync();
        await broker.RestartAsync();
        await producer.SendAsync(broker.Lite("inbox", "m1"));
        await producer.SendAsync(broker.Lite("inbox", "m2"));

        await collector.WaitForCountAsync(3, TimeSpan.FromSeconds(30));
        Assert.Equal(["m0", "m1", "m2"], collector.Messages.Select(m => m.Text()));
    }

    [Fact]
    public async Task Closing_waits_for_running_listeners_and_releases_what_it_did_not_start()
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int firstConsumerCalls = 0;
        var consumer = await broker.LiteConsumerAsync("closing", async (message, ct) =>
        {
            Interlocked.Increment(ref firstConsumerCalls);
            started.TrySetResult();
            await finish.Task;
            return ConsumeResult.Success;
        }, configure: b => b.SetConsumptionParallelism(1));
        await consumer.SubscribeLiteAsync("work");
        await using var producer = await broker.ProducerAsync();
        for (int i = 0; i < 3; i++)
        {
            await producer.SendAsync(broker.Lite("work", $"w{i}"));
        }

        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // All three are held by the client (one running, two queued) before it closes; a message still on the wire
        // when a long poll is cancelled would only come back after its invisible time.
        await Eventually.TrueAsync(() => consumer.CachedMessages == 3, what: "three messages held");
        var closing = consumer.DisposeAsync().AsTask();
        Assert.False(closing.IsCompleted);
        finish.SetResult();
        await closing.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(1, firstConsumerCalls);

        // The one that ran was acked; the two queued behind it were released for the next consumer at once.
        var next = new Collector();
        await using var successor = await broker.LiteConsumerAsync("closing", next.Listener);
        await successor.SubscribeLiteAsync("work");
        await next.WaitForCountAsync(2);
        Assert.Equal(["w1", "w2"], next.Messages.Select(m => m.Text()));
    }
}
