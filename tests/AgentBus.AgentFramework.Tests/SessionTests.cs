using AgentBus.AgentFramework.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests;

public sealed class SessionTests
{
    [Fact]
    public async Task Turns_of_one_session_sent_at_once_run_one_after_the_other_each_seeing_the_one_before()
    {
        await using var fx = await BusFixture.StartAsync();
        var host = await fx.ConnectAsync("host");
        var model = new ScriptedChatClient(turn => ScriptedStep.Text($"turn {turn.Messages.Count(m => m.Role == ChatRole.User)}")) { MaxUpdates = 4 };
        await using var hosted = await host.HostAIAgentAsync("chat", new ChatClientAgent(model, name: "chat"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var remote = (await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway")).AsAIAgent("chat");
        var session = await remote.CreateSessionAsync();
        var other = await remote.CreateSessionAsync();

        var turns = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => remote.RunAsync($"message {i}", i % 2 == 0 ? session : other)));

        // Had two turns of a session overlapped, both would have started from the same history.
        Assert.Equal(["turn 1", "turn 1", "turn 2", "turn 2"], turns.Select(t => t.Text).Order());
    }
}
