using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Tests.Infrastructure;
using Grpc.Core;

namespace AgentBus.Server.Tests;

/// <summary>PeekQueue over real gRPC: a normal topic's queue read from an offset without consuming it, and its refusals.</summary>
public sealed class AdminQueuePeekTests(SharedTestBroker shared) : IClassFixture<SharedTestBroker>
{
    [Fact]
    public async Task A_queue_is_read_from_an_offset_and_nothing_is_consumed()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders-peek", TopicMessageType.Normal, QueueCount: 1));
        var client = broker.Client();
        for (int i = 0; i < 5; i++)
        {
            await client.SendOkAsync(TestClient.Message("orders-peek", $"o{i}"));
        }

        var admin = new AdminService.AdminServiceClient(broker.Channel);
        var options = client.Options(TimeSpan.FromSeconds(10));
        var first = await admin.PeekQueueAsync(new PeekQueueRequest { Topic = "orders-peek", QueueId = 0, FromOffset = 1, MaxMessages = 2 }, options);
        var rest = await admin.PeekQueueAsync(new PeekQueueRequest { Topic = "orders-peek", QueueId = 0, FromOffset = first.NextOffset }, options);

        Assert.Equal(["o1", "o2"], first.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.Equal((0L, 5L, 3L), (first.MinOffset, first.MaxOffset, first.NextOffset));
        Assert.Equal(["o3", "o4"], rest.Messages.Select(m => m.Body.ToStringUtf8()));
        Assert.Equal([3L, 4L], rest.Messages.Select(m => m.SystemProperties.QueueOffset));
        // Still all there for a consumer.
        var received = await client.ReceiveAsync("orders-peek", "g-peek", batch: 10, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(5, received.Messages.Count);
    }

    [Fact]
    public async Task Bad_peeks_get_the_status_of_the_contract()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders-refusals", TopicMessageType.Normal, QueueCount: 2));
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents-refusals", TopicMessageType.Lite));
        var admin = new AdminService.AdminServiceClient(broker.Channel);
        var options = broker.Client().Options(TimeSpan.FromSeconds(10));

        async Task<StatusCode> Refused(PeekQueueRequest request) =>
            (await Assert.ThrowsAsync<RpcException>(() => admin.PeekQueueAsync(request, options).ResponseAsync)).StatusCode;

        Assert.Equal(StatusCode.NotFound, await Refused(new PeekQueueRequest { Topic = "nope" }));
        Assert.Equal(StatusCode.FailedPrecondition, await Refused(new PeekQueueRequest { Topic = "agents-refusals" }));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(new PeekQueueRequest { Topic = "orders-refusals", QueueId = 2 }));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(new PeekQueueRequest { Topic = "orders-refusals", FromOffset = -1 }));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(new PeekQueueRequest { Topic = "orders-refusals", MaxMessages = 1001 }));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(new PeekQueueRequest()));
        var empty = await admin.PeekQueueAsync(new PeekQueueRequest { Topic = "orders-refusals", QueueId = 1 }, options);
        Assert.Empty(empty.Messages);
    }
}
