using AgentBus;
using MultiAgentDemo.Display;
using MultiAgentDemo.Model;
using MultiAgentDemo.Team;

namespace MultiAgentDemo.Roles;

/// <summary><c>--role planner|researcher|writer</c>: serves that agent on the broker until Ctrl+C or SIGTERM.</summary>
internal static class WorkerRole
{
    public static async Task<int> RunAsync(AgentBusClient bus, ModelChoice model, DemoOptions options, DemoConsole console, CancellationToken ct)
    {
        var agents = await TeamAgents.StartAsync(bus, model, options.Role, options.Timeout).ConfigureAwait(false);
        try
        {
            console.Info($"{options.Role} serving on {bus.Endpoints} (instance {bus.InstanceId}). Ctrl+C stops it.");
            console.Dim($"model: {model.Description}");
            await DemoRunner.StoppedAsync(ct).ConfigureAwait(false);
            console.Info($"{options.Role} stopping");
            return 0;
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
