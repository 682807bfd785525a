using AgentBus;
using AgentBus.AgentFramework;
using AgentBus.SemanticKernel;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using MultiAgentDemo.Model;

namespace MultiAgentDemo.Team;

/// <summary>
/// The team's workers, each started on a bus: the planner and the researcher are Microsoft Agent Framework
/// <c>ChatClientAgent</c>s hosted with <c>HostAIAgentAsync</c>; the writer is a Semantic Kernel kernel served with
/// <c>CreateKernelAgentAsync</c>. Any process can run any of them (<c>--role</c>).
/// </summary>
internal static class TeamAgents
{
    public const string Planner = "planner";
    public const string Researcher = "researcher";
    public const string Writer = "writer";

    /// <summary>The bus identity the planner's model speaks as when it uses the bus tools.</summary>
    public const string PlannerTools = "planner-tools";

    public const string PlannerInstructions =
        "You are the planner. For a question, use ask_agent to ask the agent 'researcher' for the facts, " +
        "then answer with a short plan built on them. Respect any note the user left earlier.";

    public const string ResearcherInstructions =
        "You are the researcher. Use lookup_facts to find the facts about the question, then answer with the findings, quoting the facts found.";

    public const string WriterInstructions =
        "You are the writer. Write the final answer for the user from the question and the plan you are given, in a few plain sentences.";

    /// <summary>Starts the agents a role runs (all three for null); dispose them to stop.</summary>
    public static async Task<IReadOnlyList<Agent>> StartAsync(AgentBusClient bus, ModelChoice model, string? role, TimeSpan timeout)
    {
        var agents = new List<Agent>();
        if (role is null or Researcher)
        {
            agents.Add(await StartResearcherAsync(bus, model).ConfigureAwait(false));
        }

        if (role is null or Planner)
        {
            agents.AddRange(await StartPlannerAsync(bus, model, timeout).ConfigureAwait(false));
        }

        if (role is null or Writer)
        {
            agents.Add(await StartWriterAsync(bus, model).ConfigureAwait(false));
        }

        return agents;
    }

    public static async Task<Agent> StartResearcherAsync(AgentBusClient bus, ModelChoice model)
    {
        var lookup = AIFunctionFactory.Create(FactBook.Lookup, FactBook.ToolName);
        var agent = new ChatClientAgent(model.Create(), ResearcherInstructions, Researcher, "Finds facts about AgentBus.", [lookup]);
        return await bus.HostAIAgentAsync(Researcher, agent).ConfigureAwait(false);
    }

    /// <summary>The planner and its send-only tool identity: its model reaches the researcher through <c>ask_agent</c>, a bus request.</summary>
    public static async Task<Agent[]> StartPlannerAsync(AgentBusClient bus, ModelChoice model, TimeSpan timeout)
    {
        var tools = await bus.CreateAgentAsync(PlannerTools).ConfigureAwait(false);
        var busTools = tools.AsAITools(new AgentBusToolsOptions { AllowedAgents = [Researcher], IncludeListAgents = false, Timeout = timeout });
        var agent = new ChatClientAgent(model.Create(), PlannerInstructions, Planner, "Plans an answer; asks the researcher for facts.", busTools);
        var served = await bus.HostAIAgentAsync(Planner, agent).ConfigureAwait(false);
        return [served, tools];
    }

    public static async Task<Agent> StartWriterAsync(AgentBusClient bus, ModelChoice model)
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(model.Create().AsBuilder().UseKernelFunctionInvocation().Build().AsChatCompletionService());
        return await bus.CreateKernelAgentAsync(Writer, builder.Build(), WriterInstructions).ConfigureAwait(false);
    }

    /// <summary>What the gateway sends the writer: the question and the planner's plan, as labelled lines.</summary>
    public static string WriterPrompt(string question, string plan) => $"Question: {question}\nPlan: {plan}";
}
