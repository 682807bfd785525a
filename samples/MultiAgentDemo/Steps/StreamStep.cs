using System.Diagnostics;
using System.Text;
using AgentBus;
using MultiAgentDemo.Team;

namespace MultiAgentDemo.Steps;

/// <summary>Step 3: the writer (a Semantic Kernel kernel on the bus) streams the answer token by token.</summary>
internal sealed class StreamStep : DemoStep
{
    public override string Name => "Streamed reply";

    public override string Title => "the writer streams the answer to the gateway, token by token";

    public override string Api => "agent.StreamAsync; CreateKernelAgentAsync (Semantic Kernel)";

    public override async Task RunAsync(DemoContext context, StepChecks checks, CancellationToken ct)
    {
        var console = context.Console;
        string plan = context.Plan ?? "(no plan: step 2 did not produce one)";
        string prompt = TeamAgents.WriterPrompt(context.Question, plan);
        string requestId = $"write-{context.RunId}";
        console.Bus("gateway", "agent|writer", $"stream request {requestId}: the question and the plan");
        console.Dim($"chunks arrive on req|{requestId}, in sequence order");

        var text = new StringBuilder();
        var received = new List<string>();
        int tokens = 0;
        TimeSpan firstToken = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        console.StartTokens();
        await foreach (string token in context.Gateway.StreamAsync<string, string>(TeamAgents.Writer, prompt,
            new RequestOptions { RequestId = requestId, Timeout = context.Timeout, SessionId = context.ConversationId }, ct).ConfigureAwait(false))
        {
            if (tokens++ == 0)
            {
                firstToken = clock.Elapsed;
            }

            text.Append(token);
            received.Add(token);
            console.Token(token);
        }

        clock.Stop();
        console.EndTokens();
        console.Info($"{tokens} tokens; first token after {firstToken.TotalMilliseconds:0} ms, whole answer after {clock.Elapsed.TotalMilliseconds:0} ms");

        string answer = text.ToString();
        checks.Verify(tokens > 1, "the answer arrived as a stream of tokens, not one reply", $"{tokens} tokens");

        // The chunks stay on req|<request id>: a reader that lost the connection resumes after the last sequence it saw.
        int seen = Math.Min(2, received.Count - 1);
        var rest = new List<string>();
        await foreach (string token in context.Gateway.ResumeStreamAsync<string>(requestId, seen, context.Timeout, ct).ConfigureAwait(false))
        {
            rest.Add(token);
        }

        console.Info($"ResumeStreamAsync({requestId}, afterSequence: {seen}) read the stream again from sequence {seen + 1}: {rest.Count} tokens");
        checks.Verify(rest.SequenceEqual(received.Skip(seen + 1)), "resuming after a sequence gives the rest of the stream, no gap, no duplicate",
            $"{rest.Count} of {received.Count - seen - 1} tokens");
        checks.Verify(answer.Trim().Length > 0, "the streamed text is the writer's answer", $"{answer.Length} characters");
        if (context.Model.IsOffline && context.Plan is not null)
        {
            string fact = Model.Answers.Sentences(context.Plan).FirstOrDefault() ?? "\u0000";
            checks.Verify(answer.Contains(fact, StringComparison.Ordinal), "the writer wrote from the planner's plan");
        }

        context.Answer = answer;
    }
}
