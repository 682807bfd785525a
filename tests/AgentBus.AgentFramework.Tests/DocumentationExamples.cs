using System.Text;
using AgentBus.TestUtilities.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests;

using AgentSession = Microsoft.Agents.AI.AgentSession;

/// <summary>The examples of docs/agent-framework.md, run as tests so they keep compiling and working.</summary>
public sealed class DocumentationExamples
{
    [Fact]
    public async Task The_twenty_line_example_runs()
    {
        IChatClient chatClient = new ScriptedChatClient(turn => ScriptedStep.Text($"Lite topics: {turn.LastUserText}"));
        var output = new StringBuilder();

        await using var bus = await AgentBusClient.StartEmbeddedAsync();

        var writerTools = await bus.CreateAgentAsync("writer-tools");
        await using var served = await bus.HostAIAgentAsync("writer",
            new ChatClientAgent(chatClient, name: "writer", tools: writerTools.AsAITools()));

        var gateway = await bus.CreateAgentAsync("gateway-1");
        AIAgent writer = gateway.AsAIAgent("writer");
        AgentSession session = await writer.CreateSessionAsync();
        await foreach (var update in writer.RunStreamingAsync("a haiku about lite topics", session))
        {
            output.Append(update.Text);
        }

        Assert.Equal("Lite topics: a haiku about lite topics", output.ToString());
        Assert.Equal(["ask_agent", "send_to_agent", "list_agents"], ((ScriptedChatClient)chatClient).Calls.Single().ToolNames);
    }
}
