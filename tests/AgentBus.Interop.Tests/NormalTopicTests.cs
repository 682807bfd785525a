using AgentBus.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Interop.Tests;

/// <summary>The official Node.js client's Producer, SimpleConsumer and PushConsumer on normal and FIFO topics.</summary>
public sealed class NormalTopicTests(ITestOutputHelper output) : InteropTest(output)
{
    [Fact]
    public async Task ProducerSendsAndSimpleConsumerReceivesAndAcks()
    {
        var result = await RunScenarioAsync("normal-simple");

        Assert.Equal(5, result["received"].GetInt32());
    }

    [Fact]
    public async Task FifoMessagesArriveInOrderPerMessageGroup()
    {
        var result = await RunScenarioAsync("fifo-order");

        Assert.Equal(24, result["consumed"].GetInt32());
        Assert.True(result["fifoSetting"].GetBoolean());
    }

    [Fact]
    public async Task PushConsumerConsumesEveryMessageOnce()
    {
        var result = await RunScenarioAsync("push-normal");

        Assert.Equal(6, result["consumed"].GetInt32());
    }

    [Fact]
    public async Task TagExpressionsSelectWhatEachGroupReceives()
    {
        var result = await RunScenarioAsync("tag-filter");

        Assert.Equal([0, 1, 4, 6], result["simple"].EnumerateArray().Select(seq => seq.GetInt32()));
        Assert.Equal([2, 7], result["push"].EnumerateArray().Select(seq => seq.GetInt32()));
    }

    [Fact]
    public async Task LimitsAndMissingResourcesSurfaceAsTheClientsErrors()
    {
        var result = await RunScenarioAsync("limits");

        Assert.Equal(43101, result["propertiesTooLarge"].GetProperty("code").GetInt32());
        Assert.Equal(40402, result["missingTopic"].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task AnEmptyBodyIsRefusedWith41302()
    {
        var result = await RunScenarioAsync("empty-body");

        Assert.Equal(41302, result["code"].GetInt32());
    }

    [Fact]
    public async Task NamespaceAndCredentialsAreAcceptedWithoutAccessControl()
    {
        var result = await RunScenarioAsync("namespace-credentials");

        Assert.Equal(1, result["normal"].GetInt32());
        Assert.Equal(1, result["lite"].GetInt32());
    }

    [Fact]
    public async Task FailedConsumptionIsRedeliveredWithAHigherAttempt()
    {
        var result = await RunScenarioAsync("redelivery");

        Assert.Equal([1, 2, 3], result["pushAttempts"].EnumerateArray().Select(attempt => attempt.GetInt32()));
    }
}
