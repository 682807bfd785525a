using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Microsoft.Extensions.Logging;
using LiteSubscribeOffset = AgentBus.Broker.Subscriptions.LiteSubscribeOffset;
using OffsetOption = Apache.Rocketmq.V2.OffsetOption;

namespace AgentBus.Server.Tests;

/// <summary>
/// The offset option of SyncLiteSubscription and the group's shared position: a PARTIAL_ADD's option moves the
/// group's position for every member, as Apache RocketMQ 5.5 does (Broker:LiteSubscribeOffset MoveGroup); with
/// WhenAlone it does so only when no other member subscribes the lite topic; a COMPLETE_ADD's option is ignored.
/// </summary>
public sealed class LiteOffsetOptionTests
{
    private const string Parent = "agents";
    private const string Group = "workers";
    private const string Lite = "inbox-1";

    private static readonly OffsetOption Min = new() { Policy = OffsetOption.Types.Policy.Min };

    private static async Task<TestBroker> StartAsync(LiteSubscribeOffset rule)
    {
        var broker = await TestBroker.StartAsync(configure: o => o.LiteSubscribeOffset = rule, minimumLogLevel: LogLevel.Information);
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition(Group, BindTopic: Parent));
        return broker;
    }

    /// <summary>Member <paramref name="first"/> subscribes, three messages arrive, it receives and acknowledges them all.</summary>
    private static async Task ConsumeThreeAsync(TestBroker broker, TestClient first)
    {
        Assert.Equal(Code.Ok, (await first.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, [Lite])).Code);
        var producer = broker.Client("producer");
        for (int i = 0; i < 3; i++)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, $"m{i}", liteTopic: Lite));
        }

        var acked = 0;
        for (int round = 0; round < 10 && acked < 3; round++)
        {
            var received = await first.ReceiveAsync(Parent, Group, poll: TimeSpan.FromSeconds(5));
            foreach (var message in received.Messages)
            {
                var ack = new AckMessageRequest { Group = TestClient.Res(Group), Topic = TestClient.Res(Parent) };
                ack.Entries.Add(new AckMessageEntry
                {
                    MessageId = message.SystemProperties.MessageId, ReceiptHandle = message.SystemProperties.ReceiptHandle, LiteTopic = Lite,
                });
                Assert.Equal(Code.Ok, (await first.Stub.AckMessageAsync(ack, first.Options())).Status.Code);
                acked++;
            }
        }

        Assert.Equal(3, acked);
        Assert.Equal(3, broker.Engine.LiteOffsets(Parent, Lite, Group)!.Value.Committed);
    }

    [Fact]
    public async Task By_default_a_second_members_MIN_moves_the_groups_position_back_for_every_member_as_RocketMQ_does()
    {
        await using var broker = await StartAsync(LiteSubscribeOffset.MoveGroup);
        var first = broker.Client("first");
        await ConsumeThreeAsync(broker, first);

        var second = broker.Client("second");
        var sync = await second.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, [Lite], Min);

        Assert.Equal(Code.Ok, sync.Code);
        Assert.Equal(0, broker.Engine.LiteOffsets(Parent, Lite, Group)!.Value.Committed);
        // The group hands the acknowledged messages out again (to the member the reset made them ready for).
        var again = await second.ReceiveAsync(Parent, Group, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(["m0", "m1", "m2"], again.Bodies);
    }

    [Fact]
    public async Task With_WhenAlone_a_second_members_MIN_leaves_the_shared_position_and_says_so_in_the_log()
    {
        await using var broker = await StartAsync(LiteSubscribeOffset.WhenAlone);
        var first = broker.Client("first");
        await ConsumeThreeAsync(broker, first);

        var second = broker.Client("second");
        var sync = await second.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, [Lite], Min);
        var nothing = await second.ReceiveAsync(Parent, Group, poll: TimeSpan.FromMilliseconds(300));

        Assert.Equal(Code.Ok, sync.Code);
        Assert.Equal(3, broker.Engine.LiteOffsets(Parent, Lite, Group)!.Value.Committed);
        Assert.Equal(Code.MessageNotFound, nothing.Status!.Code);
        Assert.Contains(broker.Logs, e => e.Level == LogLevel.Information && e.Message.Contains("client second", StringComparison.Ordinal)
            && e.Message.Contains("WhenAlone", StringComparison.Ordinal));

        // Alone on the lite topic, the member's option moves the position again.
        Assert.Equal(Code.Ok, (await first.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteRemove, [])).Code);
        Assert.Equal(Code.Ok, (await second.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, [Lite], Min)).Code);
        Assert.Equal(0, broker.Engine.LiteOffsets(Parent, Lite, Group)!.Value.Committed);
    }

    [Fact]
    public async Task A_COMPLETE_ADD_never_moves_a_position_with_its_offset_option()
    {
        await using var broker = await StartAsync(LiteSubscribeOffset.MoveGroup);
        var first = broker.Client("first");
        await ConsumeThreeAsync(broker, first);

        var sync = await first.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteAdd, [Lite, "inbox-2"], Min);

        Assert.Equal(Code.Ok, sync.Code);
        Assert.Equal(3, broker.Engine.LiteOffsets(Parent, Lite, Group)!.Value.Committed);
        Assert.Equal(2, broker.Engine.LiteSubscriptionsOf("first").Count);
    }
}
