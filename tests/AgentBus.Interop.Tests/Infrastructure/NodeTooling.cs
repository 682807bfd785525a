using System.Globalization;
using System.Text.Json;

namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>
/// Finds <c>node</c> and <c>npm</c> and installs the scenario package's dependencies (<c>npm ci</c>) when they are
/// missing or stale. Missing tools fail the tests with a message saying what to install: these tests never skip.
/// </summary>
internal static class NodeTooling
{
    /// <summary>The client library version the scenarios are written against (pinned in package.json).</summary>
    public const string ClientVersion = "1.0.8";

    private const int MinimumNodeMajor = 20;
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Full path of <c>node</c>.</summary>
    public static string Node { get; private set; } = "";

    /// <summary>Checks the tools and installs the package once; throws with an explanation when that is impossible.</summary>
    public static async Task PrepareAsync()
    {
        Node = FindOnPath("node") ?? throw new InvalidOperationException(
            $"'node' is not on PATH. The interop tests drive the broker with the official RocketMQ Node.js client: install Node.js {MinimumNodeMajor}+ (with npm) and run the tests again.");
        await CheckNodeVersionAsync();

        if (InstalledClientVersion() == ClientVersion)
        {
            return;
        }

        string npm = FindOnPath("npm") ?? throw new InvalidOperationException(
            $"'npm' is not on PATH, and {InteropPaths.InteropDirectory}/node_modules is missing or stale. Install npm (it ships with Node.js) or run 'npm ci' there.");
        var outcome = await ChildProcess.RunAsync(npm, ["ci", "--no-audit", "--no-fund"], InteropPaths.InteropDirectory, null, InstallTimeout);
        if (outcome.ExitCode != 0 || InstalledClientVersion() != ClientVersion)
        {
            throw new InvalidOperationException(
                $"'npm ci' in {InteropPaths.InteropDirectory} failed (exit {outcome.ExitCode}{(outcome.TimedOut ? ", timed out" : "")}); it needs the npm registry.\n{outcome.Stdout}\n{outcome.Stderr}");
        }
    }

    private static async Task CheckNodeVersionAsync()
    {
        var outcome = await ChildProcess.RunAsync(Node, ["--version"], InteropPaths.InteropDirectory, null, TimeSpan.FromSeconds(30));
        string version = outcome.Stdout.Trim().TrimStart('v');
        string major = version.Split('.')[0];
        if (outcome.ExitCode != 0 || !int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < MinimumNodeMajor)
        {
            throw new InvalidOperationException($"{Node} reports version '{outcome.Stdout.Trim()}'; the interop tests need Node.js {MinimumNodeMajor} or later.");
        }
    }

    private static string? InstalledClientVersion()
    {
        string manifest = Path.Combine(InteropPaths.InteropDirectory, "node_modules", "rocketmq-client-nodejs", "package.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.TryGetProperty("version", out var version) ? version.GetString() : null;
    }

    private static string? FindOnPath(string tool)
    {
        string[] names = OperatingSystem.IsWindows() ? [tool + ".exe", tool + ".cmd"] : [tool];
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in names)
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
