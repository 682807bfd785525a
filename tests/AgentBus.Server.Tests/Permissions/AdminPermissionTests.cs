using AgentBus.Protocol.Admin;
using AgentBus.Server.Tests.Infrastructure;
using Grpc.Core;
using static AgentBus.Server.Tests.Permissions.Policies;

namespace AgentBus.Server.Tests.Permissions;

/// <summary>The admin API with permissions: listing needs the admin permission; peeking a lite topic, admin or subscribe permission on it.</summary>
public sealed class AdminPermissionTests
{
    [Fact]
    public async Task Listing_lite_topics_needs_the_admin_permission()
    {
        await using var broker = await PermissionTests.StartAsync();
        await broker.Client(sign: As("bob")).SendOkAsync(TestClient.Message(Parent, "hello", liteTopic: "bob|inbox"));
        var request = new ListLiteTopicsRequest { ParentTopic = Parent };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).ListLiteTopicsAsync(request, Options(broker, "bob")).ResponseAsync);
        var listed = await Admin(broker).ListLiteTopicsAsync(request, Options(broker, "carol"));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("admin permission", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("bob|inbox", Assert.Single(listed.LiteTopics).Name);
    }

    [Fact]
    public async Task Peeking_a_lite_topic_needs_admin_or_subscribe_permission_on_it()
    {
        await using var broker = await PermissionTests.StartAsync();
        await broker.Client(sign: As("bob")).SendOkAsync(TestClient.Message(Parent, "hello", liteTopic: "bob|inbox"));
        var request = new PeekLiteTopicRequest { ParentTopic = Parent, LiteTopic = "bob|inbox" };

        var alice = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).PeekLiteTopicAsync(request, Options(broker, "alice")).ResponseAsync);
        var bob = await Admin(broker).PeekLiteTopicAsync(request, Options(broker, "bob"));
        var carol = await Admin(broker).PeekLiteTopicAsync(request, Options(broker, "carol"));

        Assert.Equal(StatusCode.PermissionDenied, alice.StatusCode);
        Assert.Equal("hello", Assert.Single(bob.Messages).Body.ToStringUtf8());
        Assert.Single(carol.Messages);
    }

    [Fact]
    public async Task Every_other_admin_call_needs_the_admin_permission()
    {
        await using var broker = await PermissionTests.StartAsync();
        await broker.Client(sign: As("bob")).SendOkAsync(TestClient.Message(Parent, "hello", liteTopic: "bob|inbox"));

        // bob may subscribe to his lite topic, yet inspecting, resetting or deleting it is an admin's call.
        var stats = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).GetBrokerStatsAsync(new GetBrokerStatsRequest(), Options(broker, "bob")).ResponseAsync);
        var describe = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).DescribeLiteTopicAsync(
            new DescribeLiteTopicRequest { ParentTopic = Parent, LiteTopic = "bob|inbox" }, Options(broker, "bob")).ResponseAsync);
        var delete = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).DeleteLiteTopicAsync(
            new DeleteLiteTopicRequest { ParentTopic = Parent, LiteTopic = "bob|inbox" }, Options(broker, "bob")).ResponseAsync);

        var lookup = await Assert.ThrowsAsync<RpcException>(() => Admin(broker).LookupMessagesAsync(
            new LookupMessagesRequest { Key = "k" }, Options(broker, "bob")).ResponseAsync);

        Assert.All(new[] { stats, describe, delete, lookup }, e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.Contains("GetBrokerStats needs the admin permission", stats.Status.Detail, StringComparison.Ordinal);
        Assert.True((await Admin(broker).GetBrokerStatsAsync(new GetBrokerStatsRequest(), Options(broker, "carol"))).MessagesIn >= 1);
        var described = await Admin(broker).DescribeLiteTopicAsync(new DescribeLiteTopicRequest { ParentTopic = Parent, LiteTopic = "bob|inbox" }, Options(broker, "carol"));
        Assert.Equal("bob|inbox", described.Name);
    }

    private static AdminService.AdminServiceClient Admin(TestBroker broker) => new(broker.Channel);

    private static CallOptions Options(TestBroker broker, string user) => broker.Client(sign: As(user)).Options(TimeSpan.FromSeconds(10));
}
