using AgentBus;
using MultiAgentDemo.Display;
using MultiAgentDemo.Steps;
using MultiAgentDemo.Team;

namespace MultiAgentDemo.Roles;

/// <summary><c>--role gateway</c>: the steps against workers in other processes; says which steps need the workers here.</summary>
internal static class GatewayRole
{
    public static async Task ReportPresenceAsync(AgentBusClient bus, DemoConsole console, CancellationToken ct)
    {
        var present = await bus.ListAgentsAsync(ct).ConfigureAwait(false);
        foreach (string id in new[] { TeamAgents.Planner, TeamAgents.Researcher, TeamAgents.Writer })
        {
            if (present.Any(a => a.AgentId == id))
            {
                console.Info($"{id}: running");
            }
            else
            {
                console.Warn($"{id}: not running — start it with --role {id} --broker {bus.Endpoints}; its requests wait in its inbox meanwhile");
            }
        }

        var needing = Scenario.Steps.Select((step, i) => (step, i)).Where(static s => s.step is SessionResumeStep).Select(static s => $"step {s.i + 1} ({s.step.Name})");
        console.Dim($"gateway role: {string.Join(", ", needing)} needs the workers in this process and is skipped; the rest run against the role processes");
    }
}
