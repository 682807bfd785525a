using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentBus.Reliability.Tests.Infrastructure;

/// <summary>
/// The standalone broker (src/AgentBus.Server.Host, the build of this test's configuration) as its own process on a
/// loopback port and a data folder of the test's. <see cref="Kill"/> ends it with SIGKILL, as a crash would: no
/// shutdown hook runs, nothing is flushed or checkpointed.
/// </summary>
internal sealed partial class BrokerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrokerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; private set; }

    /// <summary>What it wrote (stdout and stderr), a line an entry.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>
    /// Starts the broker on <paramref name="port"/> (0: a free one) with <paramref name="settings"/> as command-line
    /// configuration (<c>Broker:FlushMode=Sync</c>...) and returns once it accepts calls.
    /// </summary>
    public static async Task<BrokerProcess> StartAsync(string dataDirectory, int port, IEnumerable<string> settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(HostAssembly());
        start.ArgumentList.Add($"--Broker:DataDirectory={dataDirectory}");
        start.ArgumentList.Add("--Server:Address=127.0.0.1");
        start.ArgumentList.Add($"--Server:Port={port.ToString(CultureInfo.InvariantCulture)}");
        foreach (string setting in settings)
        {
            start.ArgumentList.Add("--" + setting);
        }

        var broker = new BrokerProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        broker._process.OutputDataReceived += (_, e) => broker.Collect(e.Data);
        broker._process.ErrorDataReceived += (_, e) => broker.Collect(e.Data);
        broker._process.Exited += (_, _) => broker._listening.TrySetException(new InvalidOperationException("The broker process ended before it listened."));
        Assert.True(broker._process.Start());
        broker._process.BeginOutputReadLine();
        broker._process.BeginErrorReadLine();
        try
        {
            broker.Port = await broker._listening.Task.WaitAsync(StartTimeout);
            return broker;
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            await broker.DisposeAsync();
            throw new InvalidOperationException($"The broker did not start ({ex.Message}). It wrote:\n" + string.Join("\n", broker._output), ex);
        }
    }

    /// <summary>Ends the process with SIGKILL and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync().WaitAsync(StartTimeout);
    }

    /// <summary>Lines the console logger wrote at error or critical level (<c>fail:</c>, <c>crit:</c>).</summary>
    public IReadOnlyList<string> ErrorLines() =>
        [.. _output.Where(static line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)
            || line.Contains("Unhandled exception", StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"AgentBus broker listening on https?://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    /// <summary>The host's build output of the same configuration and framework as this test's.</summary>
    private static string HostAssembly()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        string configuration = directory.Parent!.Name; // bin/<Configuration>/<framework>/
        string framework = directory.Name;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentBus.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        string path = Path.Combine(directory.FullName, "src", "AgentBus.Server.Host", "bin", configuration, framework, "AgentBus.Server.Host.dll");
        Assert.True(File.Exists(path), $"{path} was not built");
        return path;
    }
}
