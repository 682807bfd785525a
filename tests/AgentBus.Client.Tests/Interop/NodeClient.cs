using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace AgentBus.Client.Tests.Interop;

/// <summary>
/// Runs a scenario script of <c>tests/ClientInterop</c> with the official RocketMQ Node.js client (installed with
/// <c>npm ci</c> from the pinned lock file when missing) and reads the one-line JSON events it reports on stdout.
/// Missing Node.js fails the test with a message saying what to install; the tests never skip.
/// </summary>
internal sealed class NodeClient : IAsyncDisposable
{
    private const string ClientVersion = "1.0.8";
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool _installed;

    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly Task _reader;

    private NodeClient(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadAsync);
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "tests", "ClientInterop");

    /// <summary>Starts <paramref name="scenario"/> (a file of <c>scenarios/</c>) with the given environment.</summary>
    public static async Task<NodeClient> StartAsync(string scenario, IReadOnlyDictionary<string, string> environment)
    {
        await EnsureInstalledAsync();
        var start = new ProcessStartInfo(FindOnPath("node") ?? throw new InvalidOperationException("'node' is not on PATH: install Node.js 20+ with npm."))
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine("scenarios", scenario));
        string home = Path.Combine(Path.GetTempPath(), "agentbus-node-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(home);
        start.Environment["HOME"] = home; // the client's log file goes there
        start.Environment["SCENARIO_TIMEOUT_MS"] = "25000";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new NodeClient(Process.Start(start) ?? throw new InvalidOperationException("node did not start"));
    }

    /// <summary>The next event the script reported; fails the test with the script's output when none comes in time.</summary>
    public async Task<JsonElement> NextEventAsync(string expected, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(40));
        try
        {
            var next = await _events.Reader.ReadAsync(cts.Token);
            string actual = next.GetProperty("event").GetString()!;
            Assert.True(actual == expected, $"node reported '{actual}' instead of '{expected}': {next}\n{Stderr()}");
            return next;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            Assert.Fail($"node did not report '{expected}' in time.\n{Stderr()}");
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await _reader;
        _process.Dispose();
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    private async Task ReadAsync()
    {
        // Bounded by the process: ends when its stdout closes.
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith('{'))
            {
                using var document = JsonDocument.Parse(line);
                _events.Writer.TryWrite(document.RootElement.Clone());
            }
        }

        _events.Writer.TryComplete();
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (_installed || InstalledVersion() == ClientVersion)
            {
                _installed = true;
                return;
            }

            string npm = FindOnPath("npm") ?? throw new InvalidOperationException($"'npm' is not on PATH and {Directory}/node_modules is missing: install npm.");
            var start = new ProcessStartInfo(npm, ["ci", "--no-audit", "--no-fund"]) { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0 && InstalledVersion() == ClientVersion, $"'npm ci' in {Directory} failed:\n{await output}\n{await error}");
            _installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static string? InstalledVersion()
    {
        string manifest = Path.Combine(Directory, "node_modules", "rocketmq-client-nodejs", "package.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.GetProperty("version").GetString();
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, tool)).FirstOrDefault(File.Exists);

    private static string RepositoryRoot()
    {
        // Bounded by the depth of the file system.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentBus.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("AgentBus.sln not found above " + AppContext.BaseDirectory);
    }
}
