using System.Diagnostics;
using AgentBus;
using AgentBus.AgentFramework;
using Microsoft.Agents.AI;
using MultiAgentDemo.Team;

namespace MultiAgentDemo.Steps;

/// <summary>Step 1: durable one-way notes — to the running planner (into the conversation), and to an agent that starts only later.</summary>
internal sealed class SendToStep : DemoStep
{
    public const string Preferences = "The user prefers short answers with one concrete example.";

    public override string Name => "SendTo";

    public override string Title => "durable one-way notes, also to an agent not running yet";

    public override string Api => "agent.SendToAsync";

    public override async Task RunAsync(DemoContext context, StepChecks checks, CancellationToken ct)
    {
        var console = context.Console;

        // To the planner, in the conversation's session: its hosted agent keeps the note in that conversation.
        string noteId = await context.Gateway.SendToAsync(TeamAgents.Planner, Preferences, new SendOptions { SessionId = context.ConversationId }, ct)
            .ConfigureAwait(false);
        console.Bus("gateway", "agent|planner", $"note \"{Preferences}\" (session {context.ConversationId})");
        console.Dim($"stored by the broker as message {noteId} before SendToAsync returned");
        string stateSession = BusAgentSessionStore.StateSessionId(new AgentSessionStoreKey(context.ConversationId).WithPartition("agent", TeamAgents.Planner));
        long saved = await WaitForStateAsync(context, stateSession, ct).ConfigureAwait(false);
        checks.Verify(saved > 0, "the planner read the note and saved the conversation with it",
            saved > 0 ? $"state in bus session {stateSession}" : "no saved state within the timeout");

        // To an agent nobody runs yet: the message waits in its inbox.
        string archivistId = Archivist.AgentIdFor(context.RunId);
        var present = await context.Bus.ListAgentsAsync(ct).ConfigureAwait(false);
        bool wasRunning = present.Any(a => a.AgentId == archivistId);
        string filing = $"Archive conversation {context.ConversationId}: \"{context.Question}\"";
        var sent = Stopwatch.StartNew();
        string archiveId = await context.Gateway.SendToAsync(archivistId, filing, ct: ct).ConfigureAwait(false);
        console.Bus("gateway", $"agent|{archivistId}", $"note \"{filing}\"");
        console.Dim($"message {archiveId} stored; the archivist {(wasRunning ? "was already running" : "is not running: the note waits in its inbox")}");
        checks.Verify(!wasRunning, "the archivist was not running when the note was sent", "bus.ListAgentsAsync did not list it");

        var archivist = new Archivist();
        await using (var agent = await context.Bus.CreateAgentAsync(archivistId, archivist.HandleAsync, ct).ConfigureAwait(false))
        {
            console.Info($"{archivistId} started");
            AgentEnvelope? received = await ReceiveAsync(archivist, archiveId, context.Timeout, ct).ConfigureAwait(false);
            if (received is not null)
            {
                console.Bus($"agent|{archivistId}", archivistId, $"got message {received.MessageId} from {received.From}, {sent.ElapsedMilliseconds} ms after it was sent");
            }

            checks.Verify(received is not null, "the archivist got the note when it started", received is null ? "not within the timeout" : "same message id");
        }
    }

    /// <summary>The end offset of the planner's saved conversation state, once there is one (0 if none in time).</summary>
    private static async Task<long> WaitForStateAsync(DemoContext context, string stateSession, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < context.Timeout)
        {
            var history = await context.Gateway.ReadSessionHistoryAsync(stateSession, 0, 1, ct).ConfigureAwait(false);
            if (history.EndOffset > 0)
            {
                return history.EndOffset;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), ct).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<AgentEnvelope?> ReceiveAsync(Archivist archivist, string messageId, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
                await foreach (var note in archivist.Notes.ReadAllAsync(cts.Token).ConfigureAwait(false))
            {
                if (note.MessageId == messageId)
                {
                    return note;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }

        return null;
    }
}
