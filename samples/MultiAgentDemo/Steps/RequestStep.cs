using System.Diagnostics;
using AgentBus.AgentFramework;
using Microsoft.Extensions.AI;
using MultiAgentDemo.Team;

namespace MultiAgentDemo.Steps;

/// <summary>Step 2: the gateway asks the planner; the planner's model calls the researcher over the bus through a tool.</summary>
internal sealed class RequestStep : DemoStep
{
    public override string Name => "Request/response";

    public override string Title => "the gateway asks the planner; the planner's tool call asks the researcher over the bus";

    public override string Api => "AsAIAgent(\"planner\").RunAsync = RequestAsync; ask_agent tool (AsAITools)";

    public override async Task RunAsync(DemoContext context, StepChecks checks, CancellationToken ct)
    {
        var console = context.Console;
        var planner = context.Gateway.AsAIAgent(TeamAgents.Planner, new BusAIAgentOptions { Timeout = context.Timeout });
        console.Bus("gateway", "agent|planner", $"request \"{context.Question}\" (session {context.ConversationId}; the reply comes back to reply|{context.Bus.InstanceId})");
        var clock = Stopwatch.StartNew();
        var response = await console.WaitingAsync("the planner is thinking (and asking the researcher)",
            () => planner.RunAsync(context.Question, new BusAgentSession(context.ConversationId), cancellationToken: ct)).ConfigureAwait(false);
        clock.Stop();

        // The hosted agent's response carries its whole turn: the model's tool call, the tool's result, the answer.
        var contents = response.Messages.SelectMany(static m => m.Contents).ToList();
        var calls = contents.OfType<FunctionCallContent>().ToList();
        var results = contents.OfType<FunctionResultContent>().ToList();
        foreach (var call in calls)
        {
            string args = string.Join(", ", (call.Arguments ?? new Dictionary<string, object?>()).Select(static a => $"{a.Key}: \"{a.Value}\""));
            console.Info($"planner's model calls {call.Name}({args})");
            if (call.Name == "ask_agent")
            {
                console.Bus(TeamAgents.PlannerTools, $"agent|{Argument(call, "agentId")}", "request over the bus (RequestAsync, RequireLiveAgent)");
            }
        }

        foreach (var result in results)
        {
            console.Bus("agent|researcher", TeamAgents.PlannerTools, $"reply: \"{Shorten(TextOf(result), 140)}\"");
        }

        console.Bus("agent|planner", $"reply|{context.Bus.InstanceId}", $"answer after {clock.ElapsedMilliseconds} ms");
        console.Quote("planner", response.Text);

        var ask = calls.FirstOrDefault(c => c.Name == "ask_agent" && Argument(c, "agentId") == TeamAgents.Researcher);
        checks.Verify(ask is not null, "the planner's model called ask_agent for the researcher", $"{calls.Count} tool call(s)");
        string findings = ask is null ? "" : TextOf(results.FirstOrDefault(r => r.CallId == ask.CallId));
        bool answered = findings.Length > 0 && !findings.StartsWith("Agent '", StringComparison.Ordinal);
        checks.Verify(answered, "the researcher answered the tool call across the bus", Shorten(findings, 60));
        checks.Verify(response.Text.Length > 0, "the planner's answer came back to this gateway", $"{response.Text.Length} characters");
        if (context.Model.IsOffline)
        {
            string firstFact = Model.Answers.Sentences(findings).FirstOrDefault() ?? "\u0000";
            checks.Verify(response.Text.Contains(firstFact, StringComparison.Ordinal), "the answer is built on the researcher's findings");
            checks.Verify(response.Text.Contains(SendToStep.Preferences.TrimEnd('.'), StringComparison.Ordinal), "the planner kept to the note sent in step 1");
        }

        context.Plan = response.Text;
    }

    private static string Argument(FunctionCallContent call, string name) =>
        call.Arguments is not null && call.Arguments.TryGetValue(name, out var value) ? value?.ToString() ?? "" : "";

    private static string TextOf(FunctionResultContent? result) => result?.Result switch
    {
        null => "",
        string text => text,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } json => json.GetString() ?? "",
        var other => other.ToString() ?? "",
    };

    internal static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
