using AgentBus.AgentFramework.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Agents.AI;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests;

public sealed class WorkflowTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task Remote_agents_run_in_a_sequential_workflow_like_local_ones()
    {
        await using var fx = shared.Broker.Scope();
        var host = await fx.ConnectAsync("host");
        var writerModel = new ScriptedChatClient(turn => ScriptedStep.Text($"draft about {turn.LastUserText}"));
        // The critic sees the conversation so far: the user's topic and the writer's draft.
        var criticModel = new ScriptedChatClient(turn => ScriptedStep.Text($"critique of '{turn.Messages[^1].Text}'"));
        await using var writer = await host.HostAIAgentAsync("writer", new ChatClientAgent(writerModel, name: "writer"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        await using var critic = await host.HostAIAgentAsync("critic", new ChatClientAgent(criticModel, name: "critic"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var gateway = await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway");

        var workflow = AgentWorkflowBuilder.BuildSequential(gateway.AsAIAgent("writer"), gateway.AsAIAgent("critic"));
        var response = await workflow.AsAIAgent(name: "review").RunAsync("lite topics");
        var said = response.Messages.Select(m => m.Text).Where(t => t.Length > 0).ToList();

        Assert.Equal(["draft about lite topics", "critique of 'draft about lite topics'"], said);
    }

    [Fact]
    public async Task A_remote_agent_as_an_AIFunction_is_a_tool_of_a_local_agent()
    {
        await using var fx = shared.Broker.Scope();
        var host = await fx.ConnectAsync("host");
        var translator = new ScriptedChatClient(turn => ScriptedStep.Text($"bonjour ({turn.LastUserText})"));
        await using var hosted = await host.HostAIAgentAsync("translator", new ChatClientAgent(translator, name: "translator"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var gateway = await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway");
        var tool = gateway.AsAIAgent("translator", new BusAIAgentOptions { Description = "Translates a text into French." }).AsAIFunction();
        var argumentName = tool.JsonSchema.GetProperty("properties").EnumerateObject().First().Name;
        var model = ScriptedChatClient.CallingTool(tool.Name, new Dictionary<string, object?> { [argumentName] = "hello" }, result => $"In French: {result}");
        var local = new ChatClientAgent(model, name: "assistant", tools: [tool]);

        var response = await local.RunAsync("Say hello in French");

        Assert.Equal("In French: bonjour (hello)", response.Text);
        Assert.Equal("translator", tool.Name);
        Assert.Equal("Translates a text into French.", tool.Description);
    }
}
