using AgentBus.Protocol.Messages;
using Apache.Rocketmq.V2;

namespace AgentBus.Protocol.Tests.Messages;

public sealed class MessageTypesTests
{
    [Theory]
    [InlineData(false, false, false, MessageType.Normal)]
    [InlineData(false, false, true, MessageType.Delay)]
    [InlineData(false, true, false, MessageType.Fifo)]
    [InlineData(false, true, true, MessageType.Fifo)]
    [InlineData(true, false, false, MessageType.Lite)]
    [InlineData(true, true, false, MessageType.Lite)]
    [InlineData(true, false, true, MessageType.Lite)]
    [InlineData(true, true, true, MessageType.Lite)]
    public void A_lite_topic_outranks_a_message_group_which_outranks_a_delivery_time(bool lite, bool group, bool delivery, MessageType expected) =>
        Assert.Equal(expected, MessageTypes.Of(lite, group, delivery));
}
