using AgentBus.AgentFramework.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentBus.AgentFramework.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task A_keyed_AIAgent_from_DI_is_served_on_the_bus_with_the_registered_session_store()
    {
        await using var fx = await BusBroker.StartAsync();
        var store = new InMemorySessionStore();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<AgentSessionStore>(store);
        builder.Services.AddKeyedSingleton<AIAgent>("chat", (_, _) => new ChatClientAgent(
            new ScriptedChatClient(turn => ScriptedStep.Text($"turn {turn.Messages.Count(m => m.Role == ChatRole.User)}")), name: "chat"));
        builder.Services.AddAgentBus(o =>
            {
                o.Endpoints = fx.Endpoint;
                o.LoggerFactory = fx.Test.LoggerFactory;
            })
            .AddAIAgent("chat")
            .AddAIAgent("echo", new ChatClientAgent(ScriptedChatClient.Answering(q => $"echo {q}"), name: "echo"))
            .AddAgent("gateway");
        using var host = builder.Build();
        await host.StartAsync();

        var gateway = host.Services.GetRequiredKeyedService<Agent>("gateway");
        var chat = gateway.AsAIAgent("chat");
        var session = (BusAgentSession)await chat.CreateSessionAsync();
        string first = (await chat.RunAsync("hi", session)).Text;
        string second = (await chat.RunAsync("hi again", session)).Text;
        string echoed = (await gateway.AsAIAgent("echo").RunAsync("ping")).Text;
        await host.StopAsync();

        Assert.Equal(("turn 1", "turn 2", "echo ping"), (first, second, echoed));
        Assert.Equal(session.SessionId, Assert.Single(store.Saved.Keys).SessionId);
    }
}
