using System.Text.Json;
using AgentBus.SemanticKernel.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.SemanticKernel;
using static AgentBus.SemanticKernel.Tests.Infrastructure.Kernels;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>list_agents: who runs now, as the broker's admin API tells.</summary>
public sealed class PresenceTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    private static ValueTask Ignore(AgentContext ctx, CancellationToken ct) => ValueTask.CompletedTask;

    [Fact]
    public async Task The_model_lists_the_running_agents_but_itself()
    {
        await using var fixture = shared.Broker.Scope();
        await using var writer = await (await fixture.ConnectAsync()).CreateAgentAsync("writer", Ignore);
        await using var writer2 = await (await fixture.ConnectAsync()).CreateAgentAsync("writer", Ignore);
        await using var researcher = await (await fixture.ConnectAsync()).CreateAgentAsync("researcher", Ignore);
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant", Ignore);
        var model = ScriptedChatClient.CallingTool(Tool("list_agents"), Args(), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        string answer = await kernel.AskAsync("Who is there?");

        var listed = JsonDocument.Parse(answer).RootElement.EnumerateArray()
            .Select(a => (a.GetProperty("id").GetString(), a.GetProperty("replicas").GetInt32(), a.GetProperty("backlog").GetInt64()));
        Assert.Equal([("researcher", 1, 0L), ("writer", 2, 0L)], listed);
    }

    [Fact]
    public async Task Only_the_allowed_agents_are_listed_and_none_is_said_in_words()
    {
        await using var fixture = shared.Broker.Scope();
        await using var writer = await (await fixture.ConnectAsync()).CreateAgentAsync("writer", Ignore);
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("list_agents"), Args(), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me, new AgentBusPluginOptions { AllowedAgents = new HashSet<string> { "researcher" } });

        Assert.StartsWith("No other agent is running on the agent bus right now.", await kernel.AskAsync("Who is there?"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_that_cannot_list_is_an_unsupported_result()
    {
        await using var fixture = await BusBroker.StartAsync(configureServer: server => server.EnableAdminService = false);
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("list_agents"), Args(), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me, new AgentBusPluginOptions { AllowedAgents = new HashSet<string> { "writer", "researcher" } });

        Assert.Equal("ERROR [unsupported] This agent bus cannot list its agents. Next: the agents you may address are: researcher, writer; " +
            "ask_agent says when one is not running.", await kernel.AskAsync("Who is there?"));
    }
}
