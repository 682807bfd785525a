using System.Text;
using System.Text.Json;

namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>What a scenario process reported: its exit code and its one JSON result line.</summary>
internal sealed class ScenarioResult
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public ScenarioResult(string scenario, ProcessOutcome outcome, string clientLog)
    {
        Scenario = scenario;
        Outcome = outcome;
        ClientLog = clientLog;
        foreach (string line in outcome.Stdout.Split('\n').Reverse())
        {
            if (line.StartsWith("{\"scenario\"", StringComparison.Ordinal))
            {
                using var document = JsonDocument.Parse(line);
                Json = document.RootElement.Clone();
                break;
            }
        }
    }

    public string Scenario { get; }

    public ProcessOutcome Outcome { get; }

    /// <summary>The tail of the client library's own log file.</summary>
    public string ClientLog { get; }

    /// <summary>The result line, or null when the process printed none (crash, kill).</summary>
    public JsonElement? Json { get; }

    public bool Passed => Outcome.ExitCode == 0 && Json is { } json && json.TryGetProperty("ok", out var ok) && ok.GetBoolean();

    /// <summary>A property of the result line.</summary>
    public JsonElement this[string name] =>
        Json is { } json && json.TryGetProperty(name, out var value)
            ? value
            : throw new KeyNotFoundException($"scenario {Scenario} reported no '{name}'.\n{Describe()}");

    /// <summary>Everything useful to understand a failure, for assertion messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append("scenario ").Append(Scenario).Append(": exit code ").Append(Outcome.ExitCode);
        if (Outcome.TimedOut)
        {
            text.Append(" (killed: the process outlived its timeout)");
        }

        text.AppendLine();
        text.AppendLine(Json is { } json ? JsonSerializer.Serialize(json, Indented) : "no result line; stdout:\n" + Outcome.Stdout);
        if (Outcome.Stderr.Length > 0)
        {
            text.AppendLine("--- stderr ---").AppendLine(Tail(Outcome.Stderr, 120));
        }

        if (ClientLog.Length > 0)
        {
            text.AppendLine("--- client library log ---").AppendLine(Tail(ClientLog, 60));
        }

        return text.ToString();
    }

    private static string Tail(string text, int lines)
    {
        string[] all = text.TrimEnd().Split('\n');
        return all.Length <= lines ? string.Join('\n', all) : $"... ({all.Length - lines} lines before)\n" + string.Join('\n', all[^lines..]);
    }
}
