using MultiAgentDemo.Team;
using Spectre.Console;

namespace MultiAgentDemo.Steps;

/// <summary>Step 7: who is on the bus now, and the conversation's transcript read beside its owner, without taking it over.</summary>
internal sealed class PresenceAndHistoryStep : DemoStep
{
    public override string Name => "Presence and history";

    public override string Title => "who is on the bus, and the session's transcript read without taking it over";

    public override string Api => "bus.ListAgentsAsync, agent.ReadSessionHistoryAsync";

    public override async Task RunAsync(DemoContext context, StepChecks checks, CancellationToken ct)
    {
        var console = context.Console;
        var agents = await context.Bus.ListAgentsAsync(ct).ConfigureAwait(false);
        var presence = new Table().Border(TableBorder.Rounded).AddColumns("agent", "replicas", "waiting in inbox");
        foreach (var agent in agents)
        {
            presence.AddRow(Markup.Escape(agent.AgentId), agent.Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
                agent.Backlog.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(new Padder(presence, new Padding(2, 0, 0, 0)));
        string[] team = [TeamAgents.Planner, TeamAgents.Researcher, TeamAgents.Writer];
        var missing = team.Where(id => agents.All(a => a.AgentId != id)).ToList();
        checks.Verify(missing.Count == 0, "the planner, the researcher and the writer are present",
            missing.Count == 0 ? $"{agents.Count} agent(s) listed" : "missing: " + string.Join(", ", missing));

        if (context.SessionOwner is not { } owner || context.Turns is not { } turns)
        {
            console.Dim("no session transcript to read: the session step did not run in this process");
            return;
        }

        var history = await context.Gateway.ReadSessionHistoryAsync(context.ConversationId, 0, 100, ct).ConfigureAwait(false);
        var transcript = new Table().Border(TableBorder.Rounded).AddColumns("offset", "turn", "from", "text");
        var read = new List<ConversationTurn>();
        foreach (var message in history.Messages)
        {
            var turn = message.GetBody<ConversationTurn>();
            read.Add(turn);
            transcript.AddRow(message.Envelope.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
                turn.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(turn.From),
                Markup.Escape(RequestStep.Shorten(turn.Text, 90)));
        }

        console.Info($"session|{context.ConversationId}, read by the gateway while {owner.Agent.Bus.InstanceId} owns it:");
        console.Write(new Padder(transcript, new Padding(2, 0, 0, 0)));
        checks.Verify(read.SequenceEqual(turns), "the transcript holds every turn, in order", $"{read.Count} messages, end offset {history.EndOffset}");
        checks.Verify(!owner.OwnershipLost.IsCancellationRequested, "reading the history left the owner in place", owner.Agent.Bus.InstanceId);
    }
}
