using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace AgentBus.Server.Tests.Infrastructure;

/// <summary>
/// The standalone broker (src/AgentBus.Server.Host) as its own process, from its own build output (with its
/// appsettings.json), its stdout and stderr collected line by line. Disposing it kills it if it still runs.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly List<(string Text, TaskCompletionSource<string> Seen)> _waits = [];

    private HostProcess(Process process) => _process = process;

    /// <summary>Lines written to stdout.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>Lines written to stderr.</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    public static HostProcess Start(params string[] args) => Start("dotnet", [HostAssembly(), .. args]);

    /// <summary>Starts a published broker executable (<c>dotnet publish</c> output) with <paramref name="args"/>.</summary>
    public static HostProcess StartExecutable(string executable, params string[] args) => Start(executable, args.AsSpan());

    private static HostProcess Start(string fileName, ReadOnlySpan<string> args)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        bool setsHttp = false;
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
            setsHttp |= arg.Contains("Server:Http", StringComparison.OrdinalIgnoreCase);
        }

        if (!setsHttp)
        {
            // The host's operations listener defaults to 8082: a free port instead, so hosts run side by side.
            start.ArgumentList.Add("--Server:Http:Port=0");
        }

        // The machine's own URL settings must not leak into the test; a test that wants urls passes --urls.
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("DOTNET_URLS");
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        var host = new HostProcess(new Process { StartInfo = start });
        host._process.OutputDataReceived += (_, e) => host.Collect(e.Data, host._output);
        host._process.ErrorDataReceived += (_, e) => host.Collect(e.Data, host._errors);
        Assert.True(host._process.Start());
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waits)
        {
            if (_output.Concat(_errors).FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            _waits.Add((text, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"No line with '{text}' within {timeout}. The broker wrote:\n" + string.Join("\n", _output.Concat(_errors)));
            throw;
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The broker did not end within {timeout}. It wrote:\n" + string.Join("\n", _output.Concat(_errors)));
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager stops the broker, and returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(timeout);
        }

        return await WaitForExitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The host's dll in its own output folder, built in this test's configuration (the test references the project).</summary>
    private static string HostAssembly()
    {
        string configuration = typeof(HostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        string path = Path.Combine(RepositoryRoot(), "src", "AgentBus.Server.Host", "bin", configuration, "net10.0", "AgentBus.Server.Host.dll");
        Assert.True(File.Exists(path), $"The broker host is not built at {path}.");
        return path;
    }

    /// <summary>The folder of AgentBus.sln above this test's output.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentBus.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return directory.FullName;
    }

    private void Collect(string? line, ConcurrentQueue<string> into)
    {
        if (line is null)
        {
            return;
        }

        lock (_waits)
        {
            into.Enqueue(line);
            for (int i = _waits.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waits[i].Text, StringComparison.Ordinal))
                {
                    _waits[i].Seen.TrySetResult(line);
                    _waits.RemoveAt(i);
                }
            }
        }
    }
}
