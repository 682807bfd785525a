using AgentBus;
using MultiAgentDemo.Team;

namespace MultiAgentDemo.Steps;

/// <summary>
/// Step 4: the conversation lives in a bus session. The writer replica that owns it is stopped with turns still
/// pending; a new replica opens the session and carries on where the first stopped — nothing lost, nothing twice.
/// </summary>
internal sealed class SessionResumeStep : DemoStep
{
    private const int FirstOwnerHandles = 3;

    public override string Name => "Session resume";

    public override string Title => "a worker stopped mid-conversation; its successor resumes the session";

    public override string Api => "OpenSessionAsync, SendToSessionAsync, ReadAllAsync";

    public override string? SkipReason(DemoContext context) =>
        context.WorkersInProcess ? null : "needs a worker in this process to stop and restart (run without --role)";

    public override async Task RunAsync(DemoContext context, StepChecks checks, CancellationToken ct)
    {
        var console = context.Console;
        string session = context.ConversationId;
        var turns = new List<ConversationTurn>
        {
            new(1, "user", context.Question),
            new(2, TeamAgents.Planner, context.Plan ?? "(no plan)"),
            new(3, TeamAgents.Writer, context.Answer ?? "(no answer)"),
            new(4, "user", "Can you make it shorter?"),
            new(5, "user", "Add one example, please?"),
            new(6, "user", "Thanks, that is all."),
        };
        context.Turns = turns;
        var handled = new List<(string Instance, ConversationTurn Turn, string MessageId, long Offset)>();

        // The first owner: a writer replica with its own connection (instance writer-a).
        var first = await context.ConnectAsync($"writer-a-{context.RunId}", ct).ConfigureAwait(false);
        try
        {
            var writerA = await first.CreateAgentAsync(TeamAgents.Writer, ct: ct).ConfigureAwait(false);
            var owned = await writerA.OpenSessionAsync(session, ct: ct).ConfigureAwait(false);
            console.Info($"{first.InstanceId} opened session|{session} (exclusive, FIFO)");
            foreach (var turn in turns)
            {
                await context.Gateway.SendToSessionAsync(session, turn, ct).ConfigureAwait(false);
            }

            console.Bus("gateway", $"session|{session}", $"{turns.Count} turns posted, durable");
            await ReadAsync(owned, first.InstanceId, FirstOwnerHandles, handled, context, ct).ConfigureAwait(false);
        }
        finally
        {
            // Stopped mid-conversation: its connection closes with turns still waiting in the session.
            await first.DisposeAsync().ConfigureAwait(false);
        }

        console.Warn($"{first.InstanceId} stopped after {handled.Count} turns; {turns.Count - handled.Count} still pending in the session");

        var second = context.Own(await context.ConnectAsync($"writer-b-{context.RunId}", ct).ConfigureAwait(false));
        var writerB = await second.CreateAgentAsync(TeamAgents.Writer, ct: ct).ConfigureAwait(false);
        var resumed = await writerB.OpenSessionAsync(session, ct: ct).ConfigureAwait(false);
        console.Info($"{second.InstanceId} opened session|{session} and resumes at the committed offset");
        await ReadAsync(resumed, second.InstanceId, turns.Count - handled.Count, handled, context, ct).ConfigureAwait(false);
        context.SessionOwner = resumed;

        var numbers = handled.Select(static h => h.Turn.Number).ToList();
        checks.Verify(numbers.SequenceEqual(turns.Select(static t => t.Number)), "every turn arrived exactly once, in order",
            string.Join(" ", numbers));
        checks.Verify(handled.Select(static h => h.MessageId).Distinct().Count() == handled.Count, "no message was handled twice", $"{handled.Count} distinct message ids");
        checks.Verify(handled.Take(FirstOwnerHandles).All(h => h.Instance == first.InstanceId)
            && handled.Skip(FirstOwnerHandles).All(h => h.Instance == second.InstanceId),
            "the second replica took over exactly where the first stopped", $"turn {FirstOwnerHandles + 1} onwards on {second.InstanceId}");
        checks.Verify(handled.Zip(handled.Skip(1)).All(static p => p.First.Offset < p.Second.Offset), "offsets increase across the handover");
    }

    private static async Task ReadAsync(AgentSession owned, string instance, int count, List<(string, ConversationTurn, string, long)> handled,
        DemoContext context, CancellationToken ct)
    {
        if (count <= 0)
        {
            return;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(context.Timeout);
        int read = 0;
        await foreach (var message in owned.ReadAllAsync(cts.Token).ConfigureAwait(false))
        {
            var turn = message.GetBody<ConversationTurn>();
            handled.Add((instance, turn, message.Envelope.MessageId, message.Envelope.Offset));
            context.Console.Bus($"session|{owned.SessionId}", instance, $"turn {turn.Number} from {turn.From} (offset {message.Envelope.Offset}): \"{RequestStep.Shorten(turn.Text, 70)}\"");
            if (++read == count)
            {
                break; // ends the loop: the turn just handled is acknowledged, the rest stay for the next owner
            }
        }
    }
}
