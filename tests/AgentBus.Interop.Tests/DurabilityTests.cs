using AgentBus.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Interop.Tests;

/// <summary>Messages, consume offsets and definitions survive a broker restart on the same data directory.</summary>
public sealed class DurabilityTests(ITestOutputHelper output) : InteropTest(output)
{
    [Fact]
    public async Task PendingNormalMessagesAndCommittedOffsetsSurviveARestart()
    {
        var consumed = await SendRestartConsumeAsync("normal");

        Assert.Equal([3, 4, 5], consumed["normal"].EnumerateArray().Select(seq => seq.GetInt32()));
    }

    [Fact]
    public async Task PendingLiteMessagesAndCommittedLiteOffsetsSurviveARestart()
    {
        var consumed = await SendRestartConsumeAsync("lite");

        Assert.Equal([3, 4, 5], consumed["lite"].EnumerateArray().Select(seq => seq.GetInt32()));
    }

    private async Task<ScenarioResult> SendRestartConsumeAsync(string part)
    {
        var resources = ScenarioResources.For("durability");
        using var workspace = new ScenarioWorkspace();

        await using (var broker = await InteropBroker.StartAsync(resources, workspace.DataDirectory))
        {
            Verify(await NodeScenario.RunAsync("durability", broker.Endpoint, workspace, "send", part), broker);
        }

        // Restarted on the same data directory, without creating anything: topics and groups come back from disk.
        await using (var broker = await InteropBroker.StartAsync(resources, workspace.DataDirectory, createResources: false))
        {
            var consumed = await NodeScenario.RunAsync("durability", broker.Endpoint, workspace, "consume");
            Verify(consumed, broker);
            return consumed;
        }
    }
}
