using AgentBus.Broker.Errors;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

public sealed class LiteTopicPeekTests
{
    private static List<string> Bodies(Lite.LiteTopicMessages read) =>
        [.. read.Messages.Select(m => System.Text.Encoding.UTF8.GetString(m.Body.Span))];

    [Fact]
    public async Task A_peek_reads_from_an_offset_in_order_and_says_where_to_read_on()
    {
        await using var h = await EngineHarness.StartAsync();
        for (int i = 0; i < 5; i++)
        {
            await h.SendLiteAsync("agents", "session|s1", $"m{i}");
        }

        await h.SendLiteAsync("agents", "session|other", "elsewhere");

        var first = h.Engine.PeekLiteTopic("agents", "session|s1", 0, 2);
        var second = h.Engine.PeekLiteTopic("agents", "session|s1", first.NextOffset, 10);
        var atEnd = h.Engine.PeekLiteTopic("agents", "session|s1", second.NextOffset, 10);
        var pastEnd = h.Engine.PeekLiteTopic("agents", "session|s1", 42, 10);
        var farPastEnd = h.Engine.PeekLiteTopic("agents", "session|s1", long.MaxValue, BrokerEngine.MaxPeekCount);

        Assert.Equal(["m0", "m1"], Bodies(first));
        Assert.Equal((0L, 5L, 2L), (first.MinOffset, first.MaxOffset, first.NextOffset));
        Assert.Equal(["m2", "m3", "m4"], Bodies(second));
        Assert.Equal([2L, 3L, 4L], second.Messages.Select(m => m.QueueOffset));
        Assert.Equal(5, second.NextOffset);
        Assert.Empty(atEnd.Messages);
        Assert.Equal(5, atEnd.NextOffset);
        Assert.Empty(pastEnd.Messages);
        Assert.Equal(42, pastEnd.NextOffset);
        Assert.Empty(farPastEnd.Messages);
        Assert.Equal((5L, long.MaxValue), (farPastEnd.MaxOffset, farPastEnd.NextOffset));
    }

    [Fact]
    public async Task A_peek_consumes_nothing_so_a_subscriber_still_receives_every_message()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);
        for (int i = 0; i < 3; i++)
        {
            await h.SendLiteAsync("agents", "inbox", $"m{i}");
        }

        var peeked = h.Engine.PeekLiteTopic("agents", "inbox", 0, 10);
        var received = await h.ReceiveAsync("c1", "g", max: 10);

        Assert.Equal(["m0", "m1", "m2"], Bodies(peeked));
        Assert.Equal(["m0", "m1", "m2"], received.Select(d => d.BodyText()));
        Assert.Equal(3, h.Engine.LiteBacklog("agents", "inbox", "g"));
    }

    [Fact]
    public async Task A_lite_topic_never_written_reads_as_empty()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.SendLiteAsync("agents", "known");

        var read = h.Engine.PeekLiteTopic("agents", "unknown", 3, 10);

        Assert.Empty(read.Messages);
        Assert.Equal((0L, 0L, 3L), (read.MinOffset, read.MaxOffset, read.NextOffset));
    }

    [Fact]
    public async Task A_page_holds_bodies_up_to_the_budget_and_at_least_one_message()
    {
        await using var h = await EngineHarness.StartAsync(options => options.SegmentSize = 64 << 20);
        string large = new('x', 1 << 20);
        for (int i = 0; i < 6; i++)
        {
            await h.SendLiteAsync("agents", "big", large);
        }

        string huge = new('y', BrokerEngine.PeekBodyBudget);
        await h.SendLiteAsync("agents", "huge", "small");
        await h.SendLiteAsync("agents", "huge", huge);

        var page = h.Engine.PeekLiteTopic("agents", "big", 0, 100);
        var rest = h.Engine.PeekLiteTopic("agents", "big", page.NextOffset, 100);
        var small = h.Engine.PeekLiteTopic("agents", "huge", 0, 100);
        var single = h.Engine.PeekLiteTopic("agents", "huge", small.NextOffset, 100);

        Assert.Equal(4, page.Messages.Count);
        Assert.Equal(4, page.NextOffset);
        Assert.Equal(2, rest.Messages.Count);
        Assert.Equal(["small"], Bodies(small));
        Assert.Equal(2, Assert.Single(single.Messages).QueueOffset + 1);
    }

    [Fact]
    public async Task Messages_are_read_back_after_a_restart()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.SendLiteAsync("agents", "session|s", "before");
        await h.RestartAsync();
        await h.SendLiteAsync("agents", "session|s", "after");

        var read = h.Engine.PeekLiteTopic("agents", "session|s", 0, 10);

        Assert.Equal(["before", "after"], Bodies(read));
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 0)]
    [InlineData(0, BrokerEngine.MaxPeekCount + 1)]
    public async Task An_offset_or_count_out_of_range_is_a_bad_request(long offset, int count)
    {
        await using var h = await EngineHarness.StartAsync();
        await h.SendLiteAsync("agents", "t");

        var refused = Assert.Throws<BrokerException>(() => h.Engine.PeekLiteTopic("agents", "t", offset, count));

        Assert.Equal(BrokerErrorCode.BadRequest, refused.Code);
    }

    [Fact]
    public async Task An_unknown_or_normal_topic_is_refused()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));

        Assert.Equal(BrokerErrorCode.TopicNotFound, Assert.Throws<BrokerException>(() => h.Engine.PeekLiteTopic("missing", "t", 0, 1)).Code);
        Assert.Equal(BrokerErrorCode.MessageTypeMismatch, Assert.Throws<BrokerException>(() => h.Engine.PeekLiteTopic("orders", "t", 0, 1)).Code);
    }
}
