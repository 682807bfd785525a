using AgentBus.Broker.Consumption;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

/// <summary>A receive with a tag filter: rejected messages are consumed for the group as they are popped, never handed out.</summary>
public sealed class TagFilterTests
{
    private static readonly TagFilter Wanted = TagFilter.Parse("wanted");

    [Fact]
    public async Task A_lite_long_poll_whose_messages_are_all_rejected_times_out_empty_with_the_offset_past_them()
    {
        await using var h = await LiteAsync();
        for (int i = 0; i < 3; i++)
        {
            await SendLiteAsync(h, "t", "other", $"o{i}");
        }

        var poll = h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), Wanted).AsTask();

        Assert.False(poll.IsCompleted);
        Assert.Equal(3, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);
        Assert.Equal(0, h.Engine.LiteBacklog("agents", "t", "g"));
        Assert.Equal(0, Inflight(h, "agents"));

        h.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await poll.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_lite_long_poll_waits_on_past_rejected_arrivals_for_an_accepted_one()
    {
        await using var h = await LiteAsync();
        var poll = h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), Wanted).AsTask();

        await SendLiteAsync(h, "t", "other", "skip-1");
        await SendLiteAsync(h, "t", "other", "skip-2");
        await SendLiteAsync(h, "t", "wanted", "take");

        var delivery = Assert.Single(await poll.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("take", delivery.BodyText());
        Assert.Equal(2, delivery.Message.QueueOffset);
        Assert.Equal(1, delivery.DeliveryAttempt);
        Assert.Equal(2, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);
        h.Engine.Ack("g", delivery.ReceiptHandle);
        Assert.Equal(3, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);
    }

    [Fact]
    public async Task A_mixed_lite_batch_hands_out_the_accepted_messages_in_order_and_consumes_the_rest()
    {
        await using var h = await LiteAsync(["t", "u"]);
        string?[] tags = ["other", "wanted", "other", "wanted", null, "Wanted"];
        for (int i = 0; i < tags.Length; i++)
        {
            await SendLiteAsync(h, "t", tags[i], $"t{i}");
            await SendLiteAsync(h, "u", tags[i], $"u{i}");
        }

        var batch = await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.Zero, Wanted);

        Assert.Equal(["t1", "t3", "u1", "u3"], batch.Select(d => d.BodyText()).Order(StringComparer.Ordinal));
        Assert.All(batch, d => Assert.Equal(1, d.DeliveryAttempt));
        Assert.Equal(4, Inflight(h, "agents"));
        foreach (var delivery in batch)
        {
            h.Engine.Ack("g", delivery.ReceiptHandle);
        }

        Assert.Equal(6, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);
        Assert.Equal(6, h.Engine.LiteOffsets("agents", "u", "g")!.Value.Committed);
        Assert.Empty(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.Zero));
    }

    [Fact]
    public async Task A_batch_of_one_skips_only_the_rejected_messages_before_the_accepted_one()
    {
        await using var h = await LiteAsync();
        string[] tags = ["other", "other", "wanted", "other", "wanted"];
        for (int i = 0; i < tags.Length; i++)
        {
            await SendLiteAsync(h, "t", tags[i], $"m{i}");
        }

        var first = Assert.Single(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 1, TimeSpan.FromSeconds(30), TimeSpan.Zero, Wanted));
        Assert.Equal("m2", first.BodyText());
        Assert.Equal(2, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);
        Assert.Equal(3, h.Engine.LiteBacklog("agents", "t", "g")); // m2 in flight, m3 and m4 not popped yet

        var second = Assert.Single(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 1, TimeSpan.FromSeconds(30), TimeSpan.Zero, Wanted));
        Assert.Equal("m4", second.BodyText());
    }

    [Fact]
    public async Task A_normal_topic_receive_consumes_rejected_messages_on_every_queue_and_waits_empty_until_its_timeout()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 3));
        for (int i = 0; i < 9; i++)
        {
            await h.Engine.SendAsync(new MessageRecord { Topic = "orders", QueueId = i % 3, MessageId = $"o{i}", Tag = "other", Body = new byte[] { (byte)i } });
        }

        var poll = h.Engine.ReceiveAsync("billing", "orders", null, 32, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), Wanted).AsTask();

        Assert.False(poll.IsCompleted);
        var backlog = Assert.Single(h.Engine.DescribeGroup("billing").Backlog, b => b.Topic == "orders");
        Assert.Equal(0, backlog.Backlog);
        Assert.Equal(0, backlog.Inflight);
        h.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await poll.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_normal_topic_long_poll_waits_on_past_rejected_arrivals_and_a_mixed_batch_hands_out_the_accepted_ones()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 2));
        var poll = h.Engine.ReceiveAsync("billing", "orders", null, 32, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), Wanted).AsTask();

        await h.Engine.SendAsync(new MessageRecord { Topic = "orders", QueueId = 0, MessageId = "skip", Tag = "other", Body = new byte[] { 1 } });
        await h.Engine.SendAsync(new MessageRecord { Topic = "orders", QueueId = 1, MessageId = "take", Tag = "wanted", Body = new byte[] { 2 } });
        var delivered = Assert.Single(await poll.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("take", delivered.Message.MessageId);

        for (int i = 0; i < 6; i++)
        {
            await h.Engine.SendAsync(new MessageRecord { Topic = "orders", QueueId = i % 2, MessageId = $"m{i}", Tag = i % 3 == 0 ? "wanted" : "other", Body = new byte[] { 3 } });
        }

        var batch = await h.Engine.ReceiveAsync("billing", "orders", null, 32, TimeSpan.FromSeconds(30), TimeSpan.Zero, Wanted);
        Assert.Equal(["m0", "m3"], batch.Select(d => d.Message.MessageId).Order(StringComparer.Ordinal));
        var backlog = Assert.Single(h.Engine.DescribeGroup("billing").Backlog, b => b.Topic == "orders");
        Assert.Equal(3, backlog.Inflight); // "take", m0, m3
        Assert.Empty(await h.Engine.ReceiveAsync("billing", "orders", null, 32, TimeSpan.FromSeconds(30), TimeSpan.Zero));
        h.Engine.Ack("billing", delivered.ReceiptHandle);
        foreach (var delivery in batch)
        {
            h.Engine.Ack("billing", delivery.ReceiptHandle);
        }

        Assert.Equal(0, Assert.Single(h.Engine.DescribeGroup("billing").Backlog, b => b.Topic == "orders").Backlog);
    }

    [Fact]
    public async Task Redelivery_of_an_accepted_message_keeps_its_attempts_and_rejected_ones_never_come_back()
    {
        await using var h = await LiteAsync();
        await SendLiteAsync(h, "t", "other", "skip");
        await SendLiteAsync(h, "t", "wanted", "take");
        var first = Assert.Single(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(10), TimeSpan.Zero, Wanted));
        Assert.Equal(1, first.DeliveryAttempt);

        h.Time.Advance(TimeSpan.FromSeconds(11));

        var second = Assert.Single(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(10), TimeSpan.Zero, Wanted));
        Assert.Equal("take", second.BodyText());
        Assert.Equal(2, second.DeliveryAttempt);
        Assert.Equal(first.Message.QueueOffset, second.Message.QueueOffset);
        h.Engine.Ack("g", second.ReceiptHandle);
        Assert.Equal(2, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);
        h.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Empty(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(10), TimeSpan.Zero));
    }

    [Fact]
    public async Task A_fifo_group_is_not_held_by_rejected_messages()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", BindTopic: "agents", Fifo: true));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["s"]);
        await SendLiteAsync(h, "s", "other", "1");
        await SendLiteAsync(h, "s", "wanted", "2");
        await SendLiteAsync(h, "s", "other", "3");

        var first = Assert.Single(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 1, TimeSpan.FromSeconds(30), TimeSpan.Zero, Wanted));
        Assert.Equal("2", first.BodyText());
        await SendLiteAsync(h, "s", "wanted", "4");
        Assert.Empty(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.Zero, Wanted));

        h.Engine.Ack("g", first.ReceiptHandle);
        Assert.Equal("4", Assert.Single(await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.Zero, Wanted)).BodyText());
    }

    [Fact]
    public async Task Stored_tags_are_matched_whole_whatever_their_script_or_length()
    {
        await using var h = await LiteAsync();
        string longTag = new('x', 300);
        string[] tags = ["café", "cafe", longTag, longTag + "y", "日本", "日"];
        for (int i = 0; i < tags.Length; i++)
        {
            await SendLiteAsync(h, "t", tags[i], $"m{i}");
        }

        var batch = await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.Zero,
            TagFilter.Of("café", longTag, "日本"));

        Assert.Equal(["m0", "m2", "m4"], batch.Select(d => d.BodyText()));
    }

    [Theory]
    [InlineData("", null, true)]
    [InlineData("*", "x", true)]
    [InlineData(" a || b ", "b", true)]
    [InlineData("a||b", "c", false)]
    [InlineData("a||b", null, false)]
    [InlineData("a||*", "c", true)]
    [InlineData("||", "c", true)]
    public void A_tag_expression_accepts_the_tags_it_names(string expression, string? tag, bool accepted)
    {
        Assert.Equal(accepted, TagFilter.Parse(expression).Accepts(tag));
    }

    private static async Task<EngineHarness> LiteAsync(string[]? liteTopics = null)
    {
        var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, liteTopics ?? ["t"]);
        return h;
    }

    private static Task<SendResult> SendLiteAsync(EngineHarness h, string liteTopic, string? tag, string body) =>
        h.Engine.SendAsync(new MessageRecord
        {
            Topic = "agents",
            LiteTopic = liteTopic,
            MessageId = body,
            Tag = tag,
            Body = System.Text.Encoding.UTF8.GetBytes(body),
        }).AsTask();

    private static long Inflight(EngineHarness h, string topic) =>
        h.Engine.DescribeGroup("g").Backlog.Single(b => b.Topic == topic).Inflight;
}
