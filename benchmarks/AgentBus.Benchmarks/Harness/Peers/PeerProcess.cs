using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentBus.Benchmarks.Harness.Peers;

/// <summary>
/// A server the peers scenario started as its own process, listening on a loopback port, with a temporary directory
/// of its own. Every one started is also kept in a process-wide list, so Ctrl+C or an exit on failure stops them by
/// their PID and removes their directories (<see cref="StopAll"/>).
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, PeerProcess> Running = new();
    private static int _hooked;

    private readonly Process _process;
    private readonly int _pid;
    private readonly ConcurrentQueue<string> _lastLines = new();
    private int _stopped;

    private PeerProcess(string name, Process process, int port, string directory)
    {
        Name = name;
        _process = process;
        _pid = process.Id;
        Port = port;
        Directory = directory;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>The process's temporary directory (data, logs), removed when it stops.</summary>
    public string Directory { get; }

    public int Pid => _pid;

    /// <summary>The CPU time the process used so far (user and system, from /proc).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>A loopback port nothing listens on now (the kernel's pick; a race with another program is unlikely and would fail the start).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts <paramref name="file"/> with the arguments <paramref name="arguments"/> builds from a free port and a
    /// new temporary directory, and waits until the port accepts connections.
    /// </summary>
    public static async Task<PeerProcess> StartAsync(string name, string file, Func<int, string, IEnumerable<string>> arguments,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? readyTimeout = null)
    {
        HookExit();
        int port = FreePort();
        string directory = System.IO.Directory.CreateTempSubdirectory("agentbus-peers-" + name + "-").FullName;
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string argument in arguments(port, directory))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }

        var peer = new PeerProcess(name, process, port, directory);
        Running[process.Id] = peer;
        // Drained so a chatty server never blocks on a full pipe; the last lines explain a failed start.
        process.OutputDataReceived += (_, e) => peer.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => peer.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await peer.WaitListeningAsync(readyTimeout ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }

        return peer;
    }

    /// <summary>Stops every process still running (Ctrl+C, unhandled failure, process exit).</summary>
    public static void StopAll()
    {
        foreach (var peer in Running.Values)
        {
            peer.Stop();
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private static void HookExit()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 1)
        {
            return;
        }

        Console.CancelKeyPress += (_, _) => StopAll();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => StopAll();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lastLines.Enqueue(line);
        while (_lastLines.Count > 20 && _lastLines.TryDequeue(out _))
        {
        }
    }

    private async Task WaitListeningAsync(TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before listening on port {Port}:{Environment.NewLine}"
                    + string.Join(Environment.NewLine, _lastLines));
            }

            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"{Name} did not listen on port {Port} within {timeout.TotalSeconds:F0} s:{Environment.NewLine}" + string.Join(Environment.NewLine, _lastLines));
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }

        Running.TryRemove(_pid, out _);
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp directory's own cleanup takes it.
        }
    }
}
