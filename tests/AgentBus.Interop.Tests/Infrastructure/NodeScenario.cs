using System.Globalization;

namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>Runs one scenario script of tests/Interop against an endpoint.</summary>
internal static class NodeScenario
{
    /// <summary>The deadline each scenario enforces on itself.</summary>
    public static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(25);

    /// <summary>Extra time for Node.js to start and report before the process is killed.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    public static async Task<ScenarioResult> RunAsync(string scenario, string endpoint, ScenarioWorkspace workspace, params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["AGENTBUS_ENDPOINT"] = endpoint,
            ["AGENTBUS_SCENARIO_TIMEOUT_MS"] = ((int)ScenarioTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["AGENTBUS_STATE_FILE"] = workspace.StateFile,
            ["HOME"] = workspace.Home,
            ["USERPROFILE"] = workspace.Home,
        };
        var outcome = await ChildProcess.RunAsync(
            NodeTooling.Node,
            [InteropPaths.ScriptOf(scenario), .. arguments],
            InteropPaths.InteropDirectory,
            environment,
            ScenarioTimeout + Grace);
        string clientLog = File.Exists(workspace.ClientLogFile) ? await File.ReadAllTextAsync(workspace.ClientLogFile) : "";
        return new ScenarioResult(scenario, outcome, clientLog);
    }
}
