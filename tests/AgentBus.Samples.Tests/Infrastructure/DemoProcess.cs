using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace AgentBus.Samples.Tests.Infrastructure;

/// <summary>
/// A sample as its own process (<c>dotnet GatewayDemo.dll ...</c> or <c>dotnet MultiAgentDemo.dll ...</c>, the build
/// the test references), its output collected line by line. Disposing it kills it if it still runs.
/// </summary>
internal sealed class DemoProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<(string Text, TaskCompletionSource<string> Seen)> _waits = [];

    private DemoProcess(Process process)
    {
        _process = process;
    }

    /// <summary>What the process wrote so far (stdout and stderr), one entry a line.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>Starts samples/GatewayDemo.</summary>
    public static DemoProcess Start(params string[] args) => StartSample("GatewayDemo", args);

    /// <summary>Starts the sample whose assembly is <paramref name="assembly"/> (next to the test's own).</summary>
    public static DemoProcess StartSample(string assembly, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var demo = new DemoProcess(new Process { StartInfo = start });
        demo._process.OutputDataReceived += (_, e) => demo.Collect(e.Data);
        demo._process.ErrorDataReceived += (_, e) => demo.Collect(e.Data);
        Assert.True(demo._process.Start());
        demo._process.BeginOutputReadLine();
        demo._process.BeginErrorReadLine();
        return demo;
    }

    /// <summary>Waits for a line containing <paramref name="text"/> (already written, or to come) and returns it.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waits)
        {
            if (_output.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } line)
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
            Assert.Fail($"No line with '{text}' within {timeout}. The process wrote:\n" + string.Join("\n", _output));
            throw;
        }
    }

    /// <summary>Waits for the process to end by itself (its output read to the end) and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The process did not end within {timeout}. It wrote:\n" + string.Join("\n", _output));
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager stops a process, and returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        // .NET has no API that sends SIGTERM; the system's kill does.
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(timeout);
            Assert.Equal(0, kill.ExitCode);
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
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

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_waits)
        {
            _output.Enqueue(line);
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
