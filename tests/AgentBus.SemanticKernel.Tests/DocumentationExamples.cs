using AgentBus.TestUtilities.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>The example of docs/semantic-kernel.md, run as a test with scripted models in place of real ones.</summary>
public sealed class DocumentationExamples
{
    [Fact]
    public async Task The_semantic_kernel_example_runs()
    {
        IChatClient expertModel = ScriptedChatClient.Answering(question => $"By lite topic: one per agent, session and request ({question})");
        IChatClient leadModel = ScriptedChatClient.CallingTool("agentbus_ask_agent",
            new Dictionary<string, object?> { ["agentId"] = "expert", ["question"] = "How is the data partitioned?" },
            result => $"The expert says: {result}");

        // --- docs/semantic-kernel.md, "In 20 lines" ---
        await using var bus = await AgentBusClient.StartEmbeddedAsync();

        // Any IChatClient (OpenAI, Azure OpenAI, Ollama, ...) with Semantic Kernel's function invocation in front of it.
        static Kernel NewKernel(IChatClient model)
        {
            var builder = Kernel.CreateBuilder();
            builder.Services.AddSingleton(model.AsBuilder().UseKernelFunctionInvocation().Build().AsChatCompletionService());
            return builder.Build();
        }

        // A kernel hosted as an agent: a request gets its model's answer, a streamed request its tokens.
        await using var expert = await bus.CreateKernelAgentAsync("expert", NewKernel(expertModel), "You are the storage expert.");

        // A kernel whose model may use the bus: ask_agent, stream_from_agent, send_to_agent, list_agents, read_session_history.
        await using var lead = await bus.CreateKernelAgentAsync("lead", NewKernel(leadModel), "You coordinate experts.",
            new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions { AllowedAgents = new HashSet<string> { "expert" } } });

        // A gateway asks the lead in a session; the lead's model asks the expert through the bus, in that session.
        await using var gateway = await bus.CreateAgentAsync("gateway");
        string answer = await gateway.RequestAsync<string, string>("lead", "How is the data partitioned?", new RequestOptions { SessionId = "conv-1" });
        // --- end of example ---

        Assert.Equal("The expert says: By lite topic: one per agent, session and request (How is the data partitioned?)", answer);

        // --- docs/semantic-kernel.md, a kernel of your own ---
        var kernel = NewKernel(ScriptedChatClient.CallingTool("agentbus_ask_agent",
            new Dictionary<string, object?> { ["agentId"] = "expert", ["question"] = "How is the data partitioned?" }, result => result));
        await using var me = await bus.CreateAgentAsync("assistant");              // send-only: the model's identity on the bus
        kernel.Plugins.AddAgentBus(me, new AgentBusPluginOptions { SessionId = "conv-1" });
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        var reply = await kernel.InvokePromptAsync("Ask the expert how the data is partitioned.", new(settings));
        // --- end of example ---

        Assert.Equal("By lite topic: one per agent, session and request (How is the data partitioned?)", reply.ToString());
    }
}
