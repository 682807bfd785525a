using AgentBus.Client.Errors;
using AgentBus.Client.Producing;
using AgentBus.TestUtilities;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests;

/// <summary>Concurrent single sends of a coalescing producer: batched on the wire, answered one by one.</summary>
public sealed class SendCoalescingTests(SharedClientTestBroker shared) : IClassFixture<SharedClientTestBroker>
{
    [Fact]
    public async Task Concurrent_sends_each_get_their_own_receipt_and_every_message_is_stored_once()
    {
        var broker = shared.Broker;
        await using var producer = await CoalescingProducerAsync(broker);
        using var cancellable = new CancellationTokenSource(); // a cancellable token that never fires: registrations are released

        var receipts = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            producer.SendAsync(broker.Lite("coalesced", $"m{i}"), i % 2 == 0 ? cancellable.Token : default)));

        Assert.Equal(300, receipts.Select(r => r.MessageId).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), receipts.Select(r => r.Offset).Order());
        var stored = broker.Engine.DescribeLiteTopic(Scenario.Parent, "coalesced");
        Assert.Equal(300, stored.MaxOffset);
    }

    [Fact]
    public async Task Sends_to_several_topics_and_kinds_in_one_round_reach_their_own_topics()
    {
        var broker = shared.Broker;
        broker.CreateLiteParent();
        broker.Engine.Topics.CreateTopic(new Broker.Topics.TopicDefinition("coalesced-orders", Broker.Topics.TopicMessageType.Normal));
        await using var producer = await broker.Provider.NewProducerBuilder().SetTopics("coalesced-orders").EnableSendCoalescing(16).BuildAsync();

        var sends = Enumerable.Range(0, 60).Select(i => i % 3 == 0
            ? producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic("coalesced-orders").SetBody($"o{i}").Build())
            : producer.SendAsync(broker.Lite($"mixed-{i % 3}", $"m{i}"))).ToArray();
        var receipts = await Task.WhenAll(sends);

        Assert.Equal(20, receipts.Count(r => r.Topic == "coalesced-orders"));
        Assert.Equal(20, broker.Engine.DescribeLiteTopic(Scenario.Parent, "mixed-1").MaxOffset);
        Assert.Equal(20, broker.Engine.DescribeLiteTopic(Scenario.Parent, "mixed-2").MaxOffset);
    }

    [Fact]
    public async Task A_send_cancelled_before_it_is_queued_throws_and_stores_nothing()
    {
        var broker = shared.Broker;
        await using var producer = await CoalescingProducerAsync(broker);
        await producer.SendAsync(broker.Lite("coalesced-cancel", "first"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            producer.SendAsync(broker.Lite("coalesced-cancel", "never"), new CancellationToken(canceled: true)));
        await producer.SendAsync(broker.Lite("coalesced-cancel", "last"));

        Assert.Equal(2, broker.Engine.DescribeLiteTopic(Scenario.Parent, "coalesced-cancel").MaxOffset);
    }

    [Fact]
    public async Task Every_send_cancelled_while_queued_ends_either_stored_or_cancelled()
    {
        var broker = shared.Broker;
        await using var producer = await CoalescingProducerAsync(broker);
        var sources = Enumerable.Range(0, 400).Select(_ => new CancellationTokenSource()).ToArray();

        // Cancelled as they queue: CancelAsync runs the callbacks later, so the coalescer finds many of them
        // cancelled before their callback ran. Each must still end, one way or the other.
        var sends = sources.Select((source, i) => producer.SendAsync(broker.Lite("coalesced-racing", $"m{i}"), source.Token)).ToArray();
        await Task.WhenAll(sources.Where((_, i) => i % 2 == 0).Select(source => source.CancelAsync()));
        var outcomes = await Task.WhenAll(sends.Select(async send =>
        {
            try
            {
                await send.WaitAsync(TimeSpan.FromSeconds(20));
                return "stored";
            }
            catch (OperationCanceledException)
            {
                return "cancelled";
            }
        }));

        Assert.Equal(400, outcomes.Length);
        Assert.All(outcomes.Where((_, i) => i % 2 == 1), outcome => Assert.Equal("stored", outcome));
        // A send cancelled after it was taken still goes out (as a unary call in flight would): stored, reported cancelled.
        Assert.InRange(broker.Engine.DescribeLiteTopic(Scenario.Parent, "coalesced-racing").MaxOffset, outcomes.Count(o => o == "stored"), 400);
        foreach (var source in sources)
        {
            source.Dispose();
        }
    }

    [Fact]
    public async Task In_a_refused_batch_only_the_offending_message_fails()
    {
        var broker = shared.Broker;
        await using var producer = await CoalescingProducerAsync(broker);
        string illegal = new('x', 200); // longer than a lite topic name may be

        var sends = Enumerable.Range(0, 40).Select(i => producer.SendAsync(broker.Lite(i == 17 ? illegal : "coalesced-refused", $"m{i}"))).ToArray();
        var outcome = await Task.WhenAll(sends.Select(async send =>
        {
            try
            {
                await send;
                return null;
            }
            catch (ClientException ex)
            {
                return ex;
            }
        }));

        Assert.IsType<IllegalLiteTopicException>(Assert.Single(outcome, e => e is not null));
        Assert.Null(outcome[0]);
        Assert.Equal(39, broker.Engine.DescribeLiteTopic(Scenario.Parent, "coalesced-refused").MaxOffset);
    }

    private static Task<Producer> CoalescingProducerAsync(TestBroker broker)
    {
        broker.CreateLiteParent();
        return broker.Provider.NewProducerBuilder().EnableSendCoalescing(16).BuildAsync();
    }
}
