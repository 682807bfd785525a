using AgentBus.Client.Errors;
using AgentBus.Client.Messages;

namespace AgentBus.Client.Tests;

public sealed class MessageBuilderTests
{
    [Fact]
    public void A_lite_topic_excludes_a_message_group_and_a_delivery_time()
    {
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetTopic("t").SetLiteTopic("l").SetMessageGroup("g").SetBody("x").Build());
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetTopic("t").SetLiteTopic("l")
            .SetDeliveryTimestamp(DateTimeOffset.UtcNow.AddMinutes(1)).SetBody("x").Build());
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetTopic("t").SetMessageGroup("g")
            .SetDeliveryTimestamp(DateTimeOffset.UtcNow.AddMinutes(1)).SetBody("x").Build());
    }

    [Fact]
    public void Topic_and_body_are_required_and_names_cannot_be_blank()
    {
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetBody("x").Build());
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetTopic("t").Build());
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetTopic(" "));
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetLiteTopic(""));
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetTag("a|b"));
        Assert.Throws<InvalidMessageException>(() => new MessageBuilder().SetKeys("k", " "));
    }

    [Fact]
    public void Build_copies_every_field()
    {
        var message = new MessageBuilder().SetTopic("t").SetLiteTopic("l").SetTag("tag").SetKeys("k1", "k2")
            .AddProperty("a", "1").SetBody("hello").Build();

        Assert.Equal("t", message.Topic);
        Assert.Equal("l", message.LiteTopic);
        Assert.Equal("tag", message.Tag);
        Assert.Equal(["k1", "k2"], message.Keys);
        Assert.Equal("1", message.Properties["a"]);
        Assert.Equal("hello"u8.ToArray(), message.Body.ToArray());
    }
}
