using AgentBus.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Interop.Tests;

/// <summary>Lite-topic errors reach the official Node.js client as its status codes and exception types.</summary>
public sealed class LiteErrorTests(ITestOutputHelper output) : InteropTest(output)
{
    [Fact]
    public async Task IllegalLiteTopicNamesAreRefusedWith40020()
    {
        var result = await RunScenarioAsync("lite-illegal-name");

        foreach (var refusal in result["sendErrors"].EnumerateObject())
        {
            Assert.Equal(40020, refusal.Value.GetProperty("code").GetInt32());
        }
    }

    [Fact]
    public async Task LiteSubscriptionQuotaIsEnforcedWith42902()
    {
        var result = await RunScenarioAsync("lite-subscription-quota");

        Assert.Equal(42902, result["brokerRefusal"].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task LiteTopicQuotaIsEnforcedWith42901()
    {
        var result = await RunScenarioAsync("lite-topic-quota");

        Assert.Equal("LiteTopicQuotaExceededException", result["refusal"].GetProperty("error").GetString());
        Assert.Equal(42901, result["refusal"].GetProperty("code").GetInt32());
    }
}
