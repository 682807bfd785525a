using System.Diagnostics;
using System.Reflection;

namespace AgentBus.Benchmarks.Harness.Peers;

/// <summary>
/// The servers of the peers scenario, each its own process on a free loopback port with a temporary data directory:
/// the standalone AgentBus broker (<c>src/AgentBus.Server.Host</c>) with async and with sync flush, one nats-server
/// with JetStream on file storage, and redis-server with <c>appendfsync everysec</c> and with <c>always</c>. The
/// Debian packages of nats-server and redis-server are installed when missing.
/// </summary>
internal sealed class PeerServers : IAsyncDisposable
{
    public const string AgentParent = "bench-agents";
    public const string PublishParent = "bench-publish";

    private readonly List<PeerProcess> _processes = [];

    private PeerServers()
    {
    }

    public PeerProcess AgentBusAsync { get; private set; } = null!;

    public PeerProcess AgentBusSync { get; private set; } = null!;

    public PeerProcess Nats { get; private set; } = null!;

    public PeerProcess RedisEverySec { get; private set; } = null!;

    public PeerProcess RedisAlways { get; private set; } = null!;

    public string NatsVersion { get; private set; } = "";

    public string RedisVersion { get; private set; } = "";

    public static async Task<PeerServers> StartAsync()
    {
        await EnsureInstalledAsync();
        var servers = new PeerServers();
        try
        {
            servers.NatsVersion = await OutputOfAsync("nats-server", "--version");
            servers.RedisVersion = await OutputOfAsync("redis-server", "--version");
            servers.Nats = servers.Keep(await PeerProcess.StartAsync("nats", "nats-server", static (port, dir) =>
                ["-a", "127.0.0.1", "-p", Text(port), "-js", "-sd", Path.Combine(dir, "jetstream")]));
            servers.RedisEverySec = servers.Keep(await PeerProcess.StartAsync("redis-everysec", "redis-server", static (port, dir) => RedisArguments(port, dir, "everysec")));
            servers.RedisAlways = servers.Keep(await PeerProcess.StartAsync("redis-always", "redis-server", static (port, dir) => RedisArguments(port, dir, "always")));
            servers.AgentBusAsync = servers.Keep(await StartAgentBusAsync("agentbus-async", "Async"));
            servers.AgentBusSync = servers.Keep(await StartAgentBusAsync("agentbus-sync", "Sync"));
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Fresh servers for the idle-scale workloads, so their memory is theirs alone: an AgentBus broker (async flush)
    /// with the idle lite parent topic and its group declared and the lite subscription quota per client raised to
    /// <see cref="IdleTopics.SubscriptionsPerClient"/>, a nats-server with JetStream and a redis-server (everysec).
    /// </summary>
    public static async Task<PeerServers> StartIdleAsync()
    {
        var servers = new PeerServers();
        try
        {
            servers.Nats = servers.Keep(await PeerProcess.StartAsync("nats-idle", "nats-server", static (port, dir) =>
                ["-a", "127.0.0.1", "-p", Text(port), "-js", "-sd", Path.Combine(dir, "jetstream")]));
            servers.RedisEverySec = servers.Keep(await PeerProcess.StartAsync("redis-idle", "redis-server", static (port, dir) => RedisArguments(port, dir, "everysec")));
            servers.AgentBusAsync = servers.Keep(await StartAgentBusAsync("agentbus-idle", "Async",
                $"--Broker:Topics:2:Name={IdleTopics.AgentBusParent}", "--Broker:Topics:2:MessageType=Lite",
                $"--Broker:Groups:2:Name={IdleTopics.AgentBusGroup}", $"--Broker:Groups:2:BindTopic={IdleTopics.AgentBusParent}",
                $"--Broker:MaxLiteSubscriptionsPerClient={Text(IdleTopics.SubscriptionsPerClient)}"));
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }

    private PeerProcess Keep(PeerProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string[] RedisArguments(int port, string dir, string fsync) =>
        ["--port", Text(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", fsync, "--save", "",
            "--protected-mode", "no", "--daemonize", "no", "--logfile", ""];

    /// <summary>
    /// The standalone broker from its build output (the benchmark project builds it first), workstation GC (on two
    /// cores it trims the tail, see the client latency figures), the topics and the agent layer's groups declared.
    /// </summary>
    private static Task<PeerProcess> StartAgentBusAsync(string name, string flushMode, params string[] extra)
    {
        string host = typeof(PeerServers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AgentBusServerHost").Value!;
        if (!File.Exists(host))
        {
            throw new FileNotFoundException($"The standalone broker is not built at {host}; build benchmarks/AgentBus.Benchmarks in the same configuration.", host);
        }

        return PeerProcess.StartAsync(name, "dotnet", (port, dir) =>
            [
                host,
                $"--Server:Address=127.0.0.1", $"--Server:Port={Text(port)}", $"--Broker:DataDirectory={Path.Combine(dir, "data")}", $"--Broker:FlushMode={flushMode}",
                // Two brokers run side by side: neither takes the operations listener's fixed port (8082).
                "--Server:Http:Enabled=false",
                $"--Broker:Topics:0:Name={AgentParent}", "--Broker:Topics:0:MessageType=Lite",
                $"--Broker:Topics:1:Name={PublishParent}", "--Broker:Topics:1:MessageType=Lite",
                "--Broker:Groups:0:Name=agentbus", $"--Broker:Groups:0:BindTopic={AgentParent}",
                "--Broker:Groups:1:Name=agentbus-sessions", $"--Broker:Groups:1:BindTopic={AgentParent}", "--Broker:Groups:1:Fifo=true",
                "--Broker:Groups:1:LiteMode=Exclusive",
                "--Logging:LogLevel:Default=Warning",
                .. extra,
            ],
            BrokerEnvironment());
    }

    /// <summary>
    /// Workstation GC, plus whatever <c>AGENTBUS_PEERS_BROKER_ENV</c> adds for an experiment (e.g.
    /// <c>DOTNET_GCConserveMemory=7</c>; <c>;</c>-separated <c>NAME=value</c> pairs).
    /// </summary>
    private static Dictionary<string, string> BrokerEnvironment()
    {
        var environment = new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" };
        foreach (string pair in (Environment.GetEnvironmentVariable("AGENTBUS_PEERS_BROKER_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                environment[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return environment;
    }

    private static async Task EnsureInstalledAsync()
    {
        if (await OnPathAsync("nats-server") && await OnPathAsync("redis-server"))
        {
            return;
        }

        Console.WriteLine("peers: installing nats-server and redis-server (Debian packages)");
        if (await RunAsync("apt-get", "install", "-y", "nats-server", "redis-server") != 0
            && (await RunAsync("apt-get", "update") != 0 || await RunAsync("apt-get", "install", "-y", "nats-server", "redis-server") != 0))
        {
            throw new InvalidOperationException("apt-get could not install nats-server and redis-server (run as root, or install them first).");
        }
    }

    private static async Task<bool> OnPathAsync(string program) => await RunAsync("sh", "-c", "command -v " + program + " >/dev/null") == 0;

    private static async Task<int> RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        await Task.WhenAll(output, error);
        return process.ExitCode;
    }

    private static async Task<string> OutputOfAsync(string file, string argument)
    {
        var info = new ProcessStartInfo(file, argument) { UseShellExecute = false, RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return output.Trim();
    }
}
