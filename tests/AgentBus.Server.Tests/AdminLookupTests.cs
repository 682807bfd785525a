using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Message = Apache.Rocketmq.V2.Message;

namespace AgentBus.Server.Tests;

/// <summary>LookupMessages over real gRPC: stored messages found by message id or key through the message index, its bounds and refusals.</summary>
public sealed class AdminLookupTests
{
    private static async Task<TestBroker> StartAsync(Action<Broker.BrokerOptions>? configure = null)
    {
        var broker = await TestBroker.StartAsync(configure: configure);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 2));
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        return broker;
    }

    private static Message Keyed(string topic, string body, string? liteTopic = null, params string[] keys)
    {
        var message = TestClient.Message(topic, body, liteTopic: liteTopic, tag: "t1");
        message.SystemProperties.Keys.AddRange(keys);
        return message;
    }

    private static AdminService.AdminServiceClient Admin(TestBroker broker) => new(broker.Channel);

    private static CallOptions Options(TestBroker broker) => broker.Client().Options(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_message_is_found_by_its_id_with_where_it_is_stored()
    {
        await using var broker = await StartAsync();
        var client = broker.Client();
        var sent = new List<Message>();
        for (int i = 0; i < 6; i++)
        {
            var message = i % 2 == 0 ? Keyed("orders", $"o{i}", keys: "order-1") : Keyed("agents", $"a{i}", liteTopic: "agent|x", "order-1");
            await client.SendOkAsync(message);
            sent.Add(message);
        }

        var found = await Admin(broker).LookupMessagesAsync(new LookupMessagesRequest { MessageId = sent[3].SystemProperties.MessageId }, Options(broker));

        var message3 = Assert.Single(found.Messages);
        Assert.Equal("a3", message3.Body.ToStringUtf8());
        Assert.Equal(("agents", "agent|x", 1L), (message3.Topic.Name, message3.SystemProperties.LiteTopic, message3.SystemProperties.QueueOffset));
        Assert.Equal(["order-1"], message3.SystemProperties.Keys);
        Assert.Equal("t1", message3.SystemProperties.Tag);
        Assert.NotNull(message3.SystemProperties.StoreTimestamp);
        Assert.False(found.Truncated);
        Assert.NotNull(found.IndexedSince);
        // Looking up consumes nothing.
        var received = await client.ReceiveAsync("orders", "g", batch: 10, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(3, received.Messages.Count);
    }

    [Fact]
    public async Task A_key_finds_every_message_that_carries_it_within_topic_time_and_limit()
    {
        await using var broker = await StartAsync();
        var client = broker.Client();
        for (int i = 0; i < 6; i++)
        {
            await client.SendOkAsync(i % 2 == 0 ? Keyed("orders", $"o{i}", keys: ["order-1", "other"]) : Keyed("agents", $"a{i}", "agent|x", "order-1"));
        }

        await client.SendOkAsync(Keyed("orders", "unrelated", keys: "order-2"));
        var admin = Admin(broker);
        var options = Options(broker);

        var all = await admin.LookupMessagesAsync(new LookupMessagesRequest { Key = "order-1" }, options);
        var orders = await admin.LookupMessagesAsync(new LookupMessagesRequest { Key = "order-1", Topic = "orders" }, options);
        var newestTwo = await admin.LookupMessagesAsync(new LookupMessagesRequest { Key = "order-1", MaxMessages = 2 }, options);
        var future = await Assert.ThrowsAsync<RpcException>(() => admin.LookupMessagesAsync(
            new LookupMessagesRequest { Key = "order-1", StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)) }, options).ResponseAsync);
        var past = await admin.LookupMessagesAsync(new LookupMessagesRequest
        {
            Key = "order-1",
            StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
            EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
        }, options);

        Assert.Equal(["o0", "a1", "o2", "a3", "o4", "a5"], all.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.Equal(["o0", "o2", "o4"], orders.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.Equal(["o4", "a5"], newestTwo.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.True(newestTwo.Truncated);
        Assert.False(all.Truncated);
        Assert.Equal(StatusCode.NotFound, future.StatusCode);
        Assert.Equal(6, past.Messages.Count);
    }

    [Fact]
    public async Task Unknown_ids_are_not_found_and_bad_lookups_are_invalid()
    {
        await using var broker = await StartAsync();
        await broker.Client().SendOkAsync(Keyed("orders", "o", keys: "k"));
        var admin = Admin(broker);
        var options = Options(broker);

        async Task<RpcException> Refused(LookupMessagesRequest request) =>
            await Assert.ThrowsAsync<RpcException>(() => admin.LookupMessagesAsync(request, options).ResponseAsync);

        var unknown = await Refused(new LookupMessagesRequest { MessageId = "NO-SUCH-ID" });
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("NO-SUCH-ID", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, (await Refused(new LookupMessagesRequest { Key = "k", Topic = "agents" })).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(new LookupMessagesRequest())).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(new LookupMessagesRequest { MessageId = "a", Key = "k" })).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(new LookupMessagesRequest { Key = "k", MaxMessages = 1001 })).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(new LookupMessagesRequest { Key = "k", Topic = "bad topic!" })).StatusCode);
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(new LookupMessagesRequest { Key = "k", StartTime = now, EndTime = now })).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(new LookupMessagesRequest { Key = "k", StartTime = new Timestamp { Seconds = 1, Nanos = -1 } })).StatusCode);
    }

    [Fact]
    public async Task The_index_keeps_the_newest_entries_up_to_its_capacity()
    {
        await using var broker = await StartAsync(o => o.MessageIndexCapacity = 4);
        var client = broker.Client();
        var ids = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            var message = TestClient.Message("orders", $"o{i}");
            await client.SendOkAsync(message);
            ids.Add(message.SystemProperties.MessageId);
        }

        var admin = Admin(broker);
        var options = Options(broker);
        var forgotten = await Assert.ThrowsAsync<RpcException>(() => admin.LookupMessagesAsync(new LookupMessagesRequest { MessageId = ids[1] }, options).ResponseAsync);
        var kept = await admin.LookupMessagesAsync(new LookupMessagesRequest { MessageId = ids[2] }, options);

        Assert.Equal(StatusCode.NotFound, forgotten.StatusCode);
        Assert.Equal("o2", Assert.Single(kept.Messages).Body.ToStringUtf8());
        Assert.Equal(kept.Messages[0].SystemProperties.StoreTimestamp, kept.IndexedSince);
    }

    [Fact]
    public async Task The_index_is_rebuilt_from_the_log_at_restart()
    {
        await using var broker = await StartAsync(o => o.SegmentSize = 64 * 1024);
        var client = broker.Client();
        string body = new('x', 8 * 1024);
        var ids = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            var message = Keyed("orders", $"{i}:{body}", keys: i % 10 == 0 ? "tenth" : "plain");
            await client.SendOkAsync(message);
            ids.Add(message.SystemProperties.MessageId);
        }

        Assert.True(broker.Engine.CommitLogSegmentCount > 3);
        await broker.RestartAsync();

        var admin = Admin(broker);
        var options = Options(broker);
        var first = await admin.LookupMessagesAsync(new LookupMessagesRequest { MessageId = ids[0] }, options);
        var last = await admin.LookupMessagesAsync(new LookupMessagesRequest { MessageId = ids[^1] }, options);
        var tenth = await admin.LookupMessagesAsync(new LookupMessagesRequest { Key = "tenth" }, options);

        Assert.StartsWith("0:", first.Messages[0].Body.ToStringUtf8(), StringComparison.Ordinal);
        Assert.StartsWith("39:", last.Messages[0].Body.ToStringUtf8(), StringComparison.Ordinal);
        Assert.Equal(["0", "10", "20", "30"], tenth.Messages.Select(m => m.Body.ToStringUtf8().Split(':')[0]));
    }

    [Fact]
    public async Task After_restart_only_the_newest_capacity_is_rebuilt()
    {
        await using var broker = await StartAsync(o => (o.SegmentSize, o.MessageIndexCapacity) = (64 * 1024, 5));
        var client = broker.Client();
        string body = new('x', 8 * 1024);
        var ids = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            var message = TestClient.Message("orders", $"{i}:{body}");
            await client.SendOkAsync(message);
            ids.Add(message.SystemProperties.MessageId);
        }

        await broker.RestartAsync();
        var admin = Admin(broker);
        var options = Options(broker);

        var old = await Assert.ThrowsAsync<RpcException>(() => admin.LookupMessagesAsync(new LookupMessagesRequest { MessageId = ids[14] }, options).ResponseAsync);
        var recent = await admin.LookupMessagesAsync(new LookupMessagesRequest { MessageId = ids[15] }, options);

        Assert.Equal(StatusCode.NotFound, old.StatusCode);
        Assert.StartsWith("15:", Assert.Single(recent.Messages).Body.ToStringUtf8(), StringComparison.Ordinal);
    }
}
