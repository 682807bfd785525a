using AgentBus.AgentFramework.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests;

public sealed class SessionTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task Turns_of_one_session_sent_at_once_run_one_after_the_other_each_seeing_the_one_before()
    {
        await using var fx = shared.Broker.Scope();
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

    [Fact]
    public async Task A_conversation_continues_after_the_host_restarts_with_sessions_kept_on_the_bus()
    {
        await using var fx = shared.Broker.Scope();
        var model = new ScriptedChatClient(turn => ScriptedStep.Text($"turn {turn.Messages.Count(m => m.Role == ChatRole.User)}: {turn.LastUserText}"));
        var firstHost = await fx.ConnectAsync("host");
        await firstHost.HostAIAgentAsync("chat", new ChatClientAgent(model, name: "chat"));     // the default store: the bus
        var remote = (await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway")).AsAIAgent("chat");
        var session = (BusAgentSession)await remote.CreateSessionAsync();
        Assert.Equal("turn 1: hello", (await remote.RunAsync("hello", session)).Text);
        Assert.Equal("turn 2: again", (await remote.RunAsync("again", session)).Text);

        await firstHost.DisposeAsync();
        var secondHost = await fx.ConnectAsync("host");
        await secondHost.HostAIAgentAsync("chat", new ChatClientAgent(model, name: "chat"));
        string third = (await remote.RunAsync("after the restart", session)).Text;

        Assert.Equal("turn 3: after the restart", third);
        var store = new BusAgentSessionStore(await secondHost.CreateAgentAsync("reader"));
        var key = new AgentSessionStoreKey(session.SessionId).WithPartition("agent", "chat");
        Assert.NotNull(await store.GetSessionAsync(new ChatClientAgent(model), key));
        await store.DeleteSessionAsync(new ChatClientAgent(model), key);
        Assert.Null(await store.GetSessionAsync(new ChatClientAgent(model), key));
        Assert.Equal("turn 1: fresh", (await remote.RunAsync("fresh", session)).Text);
    }
}
