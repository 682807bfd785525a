using System.Text;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>
/// Base of the interop tests: starts a broker for a scenario, runs the scenario's Node.js script against it and
/// fails with the scenario's report, its client log and the broker's log when anything went wrong.
/// </summary>
[Collection(InteropCollection.Name)]
public abstract class InteropTest(ITestOutputHelper output)
{
    /// <summary>Runs <paramref name="scenario"/> on a fresh broker and returns its result line.</summary>
    internal Task<ScenarioResult> RunScenarioAsync(string scenario) => RunScenarioAsync(scenario, scenario);

    /// <summary>
    /// Runs <paramref name="scenario"/> with <paramref name="arguments"/> on a fresh broker set up as
    /// <paramref name="resourcesOf"/> declares in resources.json (a script run in several broker configurations).
    /// </summary>
    internal async Task<ScenarioResult> RunScenarioAsync(string scenario, string resourcesOf, params string[] arguments)
    {
        var resources = ScenarioResources.For(resourcesOf);
        using var workspace = new ScenarioWorkspace();
        await using var broker = await InteropBroker.StartAsync(resources);
        var result = await NodeScenario.RunAsync(scenario, broker.Endpoint, workspace, arguments);
        Verify(result, broker);
        return result;
    }

    /// <summary>Fails unless the scenario passed and the broker logged no error while serving it.</summary>
    internal void Verify(ScenarioResult result, TestBroker broker)
    {
        output.WriteLine(result.Json?.ToString() ?? result.Outcome.Stdout);
        if (!result.Passed)
        {
            throw new XunitException(result.Describe() + BrokerLog(broker, all: true));
        }

        if (broker.UnexpectedErrors is { Count: > 0 } errors)
        {
            throw new XunitException($"scenario {result.Scenario} passed, but the broker logged errors while serving it:\n" +
                string.Join('\n', errors) + BrokerLog(broker, all: false));
        }
    }

    private static string BrokerLog(TestBroker broker, bool all)
    {
        // The broker's own lines and anything at Warning or above; ASP.NET Core's per-request lines are noise here.
        var entries = broker.Logs
            .Where(entry => entry.Category.StartsWith("AgentBus", StringComparison.Ordinal) || entry.Level >= LogLevel.Warning)
            .ToList();
        if (entries.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder().AppendLine().AppendLine("--- broker log ---");
        foreach (var entry in all ? entries : entries.TakeLast(40))
        {
            text.AppendLine(entry.ToString());
        }

        return text.ToString();
    }
}
