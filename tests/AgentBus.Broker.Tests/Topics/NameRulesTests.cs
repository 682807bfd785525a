using AgentBus.Broker.Errors;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Topics;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("agent-1")]
    [InlineData("session_42")]
    [InlineData("A%B|c")]
    public void ValidLiteTopicIsAccepted(string name) => NameRules.ValidateLiteTopic(name, 64);

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("has space")]
    [InlineData("dot.ted")]
    [InlineData("dollar$sign")]
    [InlineData("ünïcode")]
    public void IllegalLiteTopicIsRejected(string? name)
    {
        var error = Assert.Throws<BrokerException>(() => NameRules.ValidateLiteTopic(name, 64));
        Assert.Equal(BrokerErrorCode.IllegalLiteTopic, error.Code);
    }

    [Fact]
    public void LiteTopicLongerThanLimitIsRejected()
    {
        NameRules.ValidateLiteTopic(new string('a', 64), 64);
        var error = Assert.Throws<BrokerException>(() => NameRules.ValidateLiteTopic(new string('a', 65), 64));
        Assert.Equal(BrokerErrorCode.IllegalLiteTopic, error.Code);
    }

    [Fact]
    public void IllegalTopicAndGroupHaveTheirOwnCodes()
    {
        Assert.Equal(BrokerErrorCode.IllegalTopic, Assert.Throws<BrokerException>(() => NameRules.ValidateTopic("a b")).Code);
        Assert.Equal(BrokerErrorCode.IllegalConsumerGroup, Assert.Throws<BrokerException>(() => NameRules.ValidateGroup("")).Code);
    }
}
