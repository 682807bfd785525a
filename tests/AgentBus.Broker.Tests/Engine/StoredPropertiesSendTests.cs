using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

/// <summary>
/// A record whose properties are only in their stored form (the server decodes the message stream's sends that way)
/// is validated, deduplicated, checked for a required subscriber and stored exactly as one with a dictionary.
/// </summary>
public sealed class StoredPropertiesSendTests
{
    /// <summary>The same record with its properties in the commit log's form only, as the stream's decoder builds it.</summary>
    private static MessageRecord StoredOnly(MessageRecord record)
    {
        var bytes = new byte[RecordEncoder.Measure(record, int.MaxValue)];
        RecordEncoder.Write(bytes, record, 0, 0);
        var copy = RecordDecoder.Decode(bytes);
        Assert.Equal(record.Properties.Count, copy.Stored.Count);
        return copy;
    }

    private static MessageRecord Lite(EngineHarness h, string liteTopic, string body, params (string Key, string Value)[] properties) =>
        StoredOnly(h.Lite("agents", liteTopic, body, properties.ToDictionary(p => p.Key, p => p.Value)));

    [Fact]
    public async Task A_deduplication_key_in_stored_form_answers_a_resend_with_the_first_receipt()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);

        var first = await h.Engine.SendAsync(Lite(h, "inbox", "first", (BrokerEngine.DeduplicationKeyProperty, "k-1"), ("other", "x")));
        var retry = await h.Engine.SendAsync(Lite(h, "inbox", "retry", ("other", "y"), (BrokerEngine.DeduplicationKeyProperty, "k-1")));
        var otherKey = await h.Engine.SendAsync(Lite(h, "inbox", "second", (BrokerEngine.DeduplicationKeyProperty, "k-2")));

        Assert.True(retry.Duplicate);
        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.False(otherKey.Duplicate);
        var delivered = await h.ReceiveAsync("c1", "g");
        Assert.Equal(["first", "second"], delivered.Select(d => d.BodyText()));
        Assert.Equal("x", delivered[0].Message.Properties["other"]);
    }

    [Fact]
    public async Task A_required_subscriber_in_stored_form_is_enforced()
    {
        await using var h = await EngineHarness.StartAsync();

        var refused = await Assert.ThrowsAsync<BrokerException>(() =>
            h.Engine.SendAsync(Lite(h, "inbox", "b", (BrokerEngine.RequireSubscriberProperty, "TRUE"))).AsTask());

        Assert.Equal(BrokerErrorCode.NoLiveSubscriber, refused.Code);
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);
        Assert.Equal(0, (await h.Engine.SendAsync(Lite(h, "inbox", "b", (BrokerEngine.RequireSubscriberProperty, "true")))).QueueOffset);
    }

    [Fact]
    public async Task Stored_properties_are_validated_like_a_dictionary()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxPropertiesSize = 100);

        var empty = await Assert.ThrowsAsync<BrokerException>(() => h.Engine.SendAsync(Lite(h, "inbox", "b", ("", "v"))).AsTask());
        // 1 + 99 UTF-8 bytes fit; one more (a two-byte character in place of one) does not.
        await h.Engine.SendAsync(Lite(h, "inbox", "b", ("k", new string('v', 99))));
        var large = await Assert.ThrowsAsync<BrokerException>(() => h.Engine.SendAsync(Lite(h, "inbox", "b", ("k", "é" + new string('v', 98)))).AsTask());

        Assert.Equal(BrokerErrorCode.IllegalMessageProperty, empty.Code);
        Assert.Equal(BrokerErrorCode.MessagePropertiesTooLarge, large.Code);
    }

    [Fact]
    public async Task A_record_stored_from_stored_properties_reads_back_with_them()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);

        await h.Engine.SendAsync(Lite(h, "inbox", "body", ("a", "1"), ("ü", "中文"), ("empty", "")));

        var delivered = Assert.Single(await h.ReceiveAsync("c1", "g"));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["ü"] = "中文", ["empty"] = "" }, delivered.Message.Properties);
        Assert.Equal("body", delivered.BodyText());
    }
}
