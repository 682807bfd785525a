using AgentBus.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Interop.Tests;

/// <summary>
/// Authentication (<c>Server:Auth:Enabled</c>) with the official Node.js client's own signing of its
/// <c>sessionCredentials</c>: the broker runs with the user declared for <c>auth-credentials</c> in resources.json.
/// </summary>
public sealed class AuthTests(ITestOutputHelper output) : InteropTest(output)
{
    private const string Scenario = "auth-credentials";

    [Fact]
    public async Task CallsSignedWithTheUsersSecretAreServed()
    {
        var resources = ScenarioResources.For(Scenario);
        using var workspace = new ScenarioWorkspace();
        await using var broker = await InteropBroker.StartAsync(resources);

        var result = await NodeScenario.RunAsync(Scenario, broker.Endpoint, workspace, "signed");
        Verify(result, broker);

        Assert.Equal(1, result["normal"].GetInt32());
        Assert.Equal(1, result["lite"].GetInt32());
        Assert.DoesNotContain(broker.Logs, entry => entry.Message.Contains("refused as unauthorized", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWrongSecretFailsWithTheClientsUnauthorizedException()
    {
        var resources = ScenarioResources.For(Scenario);
        using var workspace = new ScenarioWorkspace();
        await using var broker = await InteropBroker.StartAsync(resources);

        var result = await NodeScenario.RunAsync(Scenario, broker.Endpoint, workspace, "wrong-secret");
        Verify(result, broker);

        foreach (string client in new[] { "producer", "consumer" })
        {
            Assert.Equal("UnauthorizedException", result[client].GetProperty("error").GetString());
            Assert.Equal(40100, result[client].GetProperty("code").GetInt32());
        }

        var refusals = broker.Logs.Where(entry => entry.Message.Contains("refused as unauthorized", StringComparison.Ordinal)).ToList();
        Assert.Equal(result["queryRoutes"].GetInt32(), refusals.Count);
        Assert.All(refusals, entry => Assert.Contains("access key interop-auth-ak", entry.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(broker.Logs, entry => entry.Message.Contains("interop-auth-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefusalsByPermissionReachTheClientAsForbidden()
    {
        var resources = ScenarioResources.For("auth-permissions");
        using var workspace = new ScenarioWorkspace();
        await using var broker = await InteropBroker.StartAsync(resources);

        var result = await NodeScenario.RunAsync("auth-permissions", broker.Endpoint, workspace);
        Verify(result, broker);

        Assert.Equal(1, result["received"].GetInt32());
        Assert.Equal("ForbiddenException", result["send"].GetProperty("error").GetString());
        foreach (string call in new[] { "subscribe", "send" })
        {
            Assert.Equal(40300, result[call].GetProperty("code").GetInt32());
            Assert.Contains("theirs-", result[call].GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Contains(broker.Logs, entry => entry.Message.Contains("refused as forbidden (access key interop-perm-ak)", StringComparison.Ordinal));
    }
}
