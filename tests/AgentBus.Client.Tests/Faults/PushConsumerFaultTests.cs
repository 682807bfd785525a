using System.Collections.Concurrent;
using AgentBus.Client.Consuming;
using AgentBus.Client.Lite;
using AgentBus.Client.Messages;
using AgentBus.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Client.Tests.Faults;

/// <summary>
/// A lite push consumer behind a <see cref="FaultProxy"/>, fed by a producer that reaches the broker directly: cuts
/// in the middle of a receive stream, a receive answer lost after the broker sent it, an ack lost on the way.
/// </summary>
public sealed class PushConsumerFaultTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(true, CutMode.Reset)]
    [InlineData(true, CutMode.Close)]
    [InlineData(false, CutMode.Reset)]
    public async Task A_consumer_whose_connection_is_cut_mid_stream_reconnects_and_consumes_every_message(bool continuous, CutMode mode)
    {
        // A message the broker wrote before the cut may have died in flight: it comes back after its invisible time,
        // short here (3 s).
        await using var setup = await FaultSetup.StartAsync(output, configureServer: ShortAutoRenewal);
        var collector = new Collector();
        await using var consumer = await ConsumerAsync(setup, "cut-stream", collector.Listener, continuous);
        await consumer.SubscribeLiteAsync("feed");
        await using var producer = await setup.Broker.ProducerAsync();
        await SendAsync(setup, producer, "feed", 0, 10);
        await collector.WaitForCountAsync(10);

        // The next answers are cut inside their first few hundred bytes: in the middle of a message.
        var cut = setup.Proxy.CutAfterAsync(FaultDirection.ToClient, 300, mode);
        await SendAsync(setup, producer, "feed", 10, 30);
        await Eventually.CompletesAsync(cut, what: "the stream was cut");

        await collector.WaitForAsync(m => Distinct(m) == 30, TimeSpan.FromSeconds(15));
        AssertOnlyRedeliveriesRepeat(collector.Messages, 30);
        Assert.True(setup.Proxy.ConnectionsAccepted >= 2, "the consumer reconnected");
        await Eventually.TrueAsync(() => setup.Broker.Engine.LiteOffsets(Scenario.Parent, "feed", "cut-stream")?.Committed == 30, what: "all acked");
    }

    [Fact]
    public async Task A_receive_whose_answer_is_lost_after_the_broker_sent_it_is_replayed_by_its_attempt_id()
    {
        await using var setup = await FaultSetup.StartAsync(output);
        using var delivered = new DeliveredMessages(setup.Broker);
        var collector = new Collector();
        // One-shot receives carry an attempt id that the broker replays; auto-renewed deliveries stay invisible for
        // 60 s, so without the replay the message could not come back within this test.
        await using var consumer = await ConsumerAsync(setup, "replayed", collector.Listener, continuous: false);
        await consumer.SubscribeLiteAsync("inbox");
        await using var producer = await setup.Broker.ProducerAsync();
        await producer.SendAsync(setup.Broker.Lite("inbox", "warm"));
        await collector.WaitForCountAsync(1);
        await Eventually.TrueAsync(() => setup.Broker.Engine.LiteOffsets(Scenario.Parent, "inbox", "replayed")?.Committed == 1, what: "first acked");

        setup.Proxy.Stall(FaultDirection.ToClient);
        long before = delivered.Count;
        var receipt = await producer.SendAsync(setup.Broker.Lite("inbox", "lost-answer"));
        await Eventually.TrueAsync(() => delivered.Count > before, what: "the broker sent its answer");
        await setup.Proxy.CutAllAsync(CutMode.Reset);
        setup.Proxy.Resume(FaultDirection.ToClient);

        await collector.WaitForCountAsync(2, TimeSpan.FromSeconds(10));
        var replayed = collector.Messages.Last();
        Assert.Equal(receipt.MessageId, replayed.MessageId);
        Assert.Equal(1, replayed.DeliveryAttempt);
        Assert.Equal(2, collector.Messages.Count);
        await Eventually.TrueAsync(() => setup.Broker.Engine.LiteOffsets(Scenario.Parent, "inbox", "replayed")?.Committed == 2, what: "replayed message acked");
    }

    [Fact]
    public async Task A_replayed_receive_does_not_hand_over_again_what_the_lost_answer_had_already_delivered()
    {
        await using var setup = await FaultSetup.StartAsync(output);
        using var delivered = new DeliveredMessages(setup.Broker);
        var collector = new Collector();
        await using var consumer = await ConsumerAsync(setup, "partial", collector.Listener, continuous: false);
        await consumer.SubscribeLiteAsync("big");
        await using var producer = await setup.Broker.ProducerAsync();
        await producer.SendAsync(setup.Broker.Lite("big", "warm"));
        await collector.WaitForCountAsync(1);
        await Eventually.TrueAsync(() => setup.Broker.Engine.LiteOffsets(Scenario.Parent, "big", "partial")?.Committed == 1, what: "first acked");

        // One answer of three 12 KB messages, finished by the broker, then let through up to the middle of the
        // second message: the consumer gets the first, loses the rest and retries with the same attempt id.
        setup.Proxy.Stall(FaultDirection.ToClient);
        long before = delivered.Count;
        string filler = new('x', 12 * 1024);
        await producer.SendAsync([.. Enumerable.Range(1, 3).Select(i => setup.Broker.Lite("big", $"{i}{filler}"))]);
        await Eventually.TrueAsync(() => delivered.Count >= before + 3, what: "the broker sent its answer");
        var cut = setup.Proxy.CutAfterAsync(FaultDirection.ToClient, 20 * 1024);
        setup.Proxy.Resume(FaultDirection.ToClient);
        await Eventually.CompletesAsync(cut, what: "the answer was cut");

        await collector.WaitForCountAsync(4);
        await Eventually.TrueAsync(() => setup.Broker.Engine.LiteOffsets(Scenario.Parent, "big", "partial")?.Committed == 4, what: "all acked");
        var big = collector.Messages.Skip(1).ToList();
        Assert.Equal(["1", "2", "3"], big.Select(m => m.Text()[..1]));
        Assert.All(big, m => Assert.Equal(1, m.DeliveryAttempt));
        Assert.Equal(4, collector.Messages.Count);
    }

    [Fact]
    public async Task A_continuous_receive_whose_end_never_reached_the_consumer_has_its_message_redelivered()
    {
        await using var setup = await FaultSetup.StartAsync(output, configureServer: ShortAutoRenewal);
        using var delivered = new DeliveredMessages(setup.Broker);
        var collector = new Collector();
        // Room for one message: each continuous receive ends (status OK) right after its message.
        await using var consumer = await setup.Proxied.NewLitePushConsumerBuilder().BindTopic(Scenario.Parent).SetConsumerGroup("ended")
            .SetMessageListener(collector.Listener).SetMaxCacheMessageCount(1).BuildAsync();
        await consumer.SubscribeLiteAsync("tail");
        await using var producer = await setup.Broker.ProducerAsync();
        await producer.SendAsync(setup.Broker.Lite("tail", "warm"));
        await collector.WaitForCountAsync(1);
        await Eventually.TrueAsync(() => setup.Broker.Engine.LiteOffsets(Scenario.Parent, "tail", "ended")?.Committed == 1, what: "first acked");

        // The whole stream, message and end, is held back and then reset: the broker finished it, the consumer saw
        // nothing and retries with the same attempt id.
        setup.Proxy.Stall(FaultDirection.ToClient);
        long before = delivered.Count;
        var receipt = await producer.SendAsync(setup.Broker.Lite("tail", "lost-in-flight"));
        // Generous: on a loaded machine the consumer's receive may have failed at its deadline under the stall and be
        // waiting out its 5 s backoff before the next one reaches the broker (which then writes the message on it).
        await Eventually.TrueAsync(() => delivered.Count > before, TimeSpan.FromSeconds(30), "the broker wrote the message");
        await setup.Proxy.CutAllAsync(CutMode.Reset);
        setup.Proxy.Resume(FaultDirection.ToClient);

        await collector.WaitForCountAsync(2, TimeSpan.FromSeconds(30));
        var redelivered = collector.Messages.Last();
        Assert.Equal(receipt.MessageId, redelivered.MessageId);
        Assert.Equal(2, redelivered.DeliveryAttempt);
        Assert.Equal(2, collector.Messages.Count);
    }

    [Fact]
    public async Task An_ack_cut_off_on_its_way_is_retried_on_the_new_connection_and_the_message_is_not_redelivered()
    {
        await using var setup = await FaultSetup.StartAsync(output);
        var collector = new Collector();
        var inListener = new Signal();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consumer = await ConsumerAsync(setup, "acks", async (message, ct) =>
        {
            if (message.Text() == "held")
            {
                inListener.Set();
                await release.Task.WaitAsync(ct);
            }

            return await collector.Listener(message, ct);
        }, continuous: true);
        await consumer.SubscribeLiteAsync("jobs");
        await using var producer = await setup.Broker.ProducerAsync();
        await producer.SendAsync(setup.Broker.Lite("jobs", "held"));
        await inListener.WaitAsync(what: "the listener runs");

        // The ack of "held" leaves the client into a stalled connection, which is reset while it holds the ack.
        setup.Proxy.Stall(FaultDirection.ToTarget);
        long sent = setup.Proxy.BytesForwarded(FaultDirection.ToTarget);
        release.SetResult();
        await collector.WaitForCountAsync(1);
        await Eventually.TrueAsync(() => setup.Proxy.BytesHeld(FaultDirection.ToTarget) > 0, what: "the ack is in flight");
        await setup.Proxy.CutAllAsync(CutMode.Reset);
        setup.Proxy.Resume(FaultDirection.ToTarget);

        await Eventually.TrueAsync(() => setup.Broker.Engine.LiteOffsets(Scenario.Parent, "jobs", "acks")?.Committed == 1,
            what: "the retried ack reached the broker");
        await producer.SendAsync(setup.Broker.Lite("jobs", "next"));
        await collector.WaitForCountAsync(2);
        Assert.Equal(["held", "next"], collector.Messages.Select(m => m.Text()));
        Assert.All(collector.Messages, m => Assert.Equal(1, m.DeliveryAttempt));
        Assert.True(setup.Proxy.BytesForwarded(FaultDirection.ToTarget) > sent, "requests flowed again");
        Assert.Contains(setup.Broker.Logs, entry => entry.Message.Contains("ack of message", StringComparison.Ordinal));
    }

    private static void ShortAutoRenewal(Server.Hosting.ServerOptions options)
    {
        options.AutoRenewInvisibleDuration = TimeSpan.FromSeconds(3);
        options.AutoRenewAhead = TimeSpan.FromSeconds(1);
        options.AutoRenewInterval = TimeSpan.FromMilliseconds(200);
    }

    private static Task<LitePushConsumer> ConsumerAsync(FaultSetup setup, string group, MessageListener listener, bool continuous) =>
        setup.Proxied.NewLitePushConsumerBuilder().BindTopic(Scenario.Parent).SetConsumerGroup(group).SetMessageListener(listener)
            .SetContinuousReceive(continuous).BuildAsync();

    private static async Task SendAsync(FaultSetup setup, Producing.Producer producer, string liteTopic, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            await producer.SendAsync(setup.Broker.Lite(liteTopic, $"m{i:D2}"));
        }
    }

    private static int Distinct(IReadOnlyCollection<MessageView> messages) => messages.Select(m => m.MessageId).Distinct().Count();

    /// <summary>Every message consumed; a message consumed again only as a redelivery (attempt above 1).</summary>
    private static void AssertOnlyRedeliveriesRepeat(IReadOnlyCollection<MessageView> messages, int count)
    {
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"m{i:D2}"), messages.Select(m => m.Text()).Distinct().Order());
        var seen = new ConcurrentDictionary<string, int>();
        foreach (var message in messages)
        {
            if (seen.AddOrUpdate(message.MessageId, 1, (_, n) => n + 1) > 1)
            {
                Assert.True(message.DeliveryAttempt > 1, $"{message} was consumed twice in one delivery attempt");
            }
        }
    }
}
