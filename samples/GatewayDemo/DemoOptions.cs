using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace GatewayDemo;

/// <summary>What to run, read from the command line (<c>--role gateway --instance gateway-1 --port 5001 ...</c>).</summary>
public sealed class DemoOptions
{
    /// <summary>The help text printed for <c>--help</c> or a bad argument.</summary>
    public const string Usage = """
        GatewayDemo: HTTP gateway instances in front of worker agents on the agent bus.

          --role gateway|worker     what this process runs (default gateway)
          --instance ID             the stable AgentBus instance id (default gateway-1 for a gateway)
          --port N                  the gateway's HTTP port on 127.0.0.1 (default 5001; 0 picks a free one)
          --broker HOST:PORT        connect to this broker; without it the process starts an embedded broker
          --broker-port N           the embedded broker's port on 127.0.0.1 (default 7081; 0 picks a free one)
          --worker true|false       also run the writer worker in this process (default: true with an embedded
                                    broker, false with --broker; a worker role always runs it)
          --word-delay-ms N         the writer's pause between streamed words (default 150)
          --timeout-ms N            how long a gateway waits for a reply or the next streamed word (default 30000)
          --require-live-agent B    answer 503 at once when no replica of the agent runs (default true)
        """;

    /// <summary>Runs an HTTP gateway (the default).</summary>
    public const string GatewayRole = "gateway";

    /// <summary>Runs only the worker agents.</summary>
    public const string WorkerRole = "worker";

    /// <summary><see cref="GatewayRole"/> or <see cref="WorkerRole"/>.</summary>
    public string Role { get; private init; } = GatewayRole;

    /// <summary>The gateway's AgentBus instance id (it names the instance's reply topic).</summary>
    public string InstanceId { get; private init; } = "gateway-1";

    /// <summary>The gateway's HTTP port on the loopback address; 0 picks a free one.</summary>
    public int Port { get; private init; } = 5001;

    /// <summary>The broker to connect to, or null to start an embedded one.</summary>
    public string? Broker { get; private init; }

    /// <summary>The embedded broker's port on the loopback address; 0 picks a free one.</summary>
    public int BrokerPort { get; private init; } = 7081;

    /// <summary>Whether this process also runs the writer worker.</summary>
    public bool HostWorker { get; private init; }

    /// <summary>The writer's pause between streamed words.</summary>
    public TimeSpan WordDelay { get; private init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How long the gateway waits for a reply, or for the next word of a stream.</summary>
    public TimeSpan Timeout { get; private init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a request to an agent with no running replica fails at once (503) instead of waiting in its inbox.</summary>
    public bool RequireLiveAgent { get; private init; } = true;

    /// <summary>Reads the options from command-line arguments.</summary>
    /// <param name="args">The arguments, <c>--name value</c> pairs.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">An argument is malformed or out of range; the message says which.</exception>
    public static DemoOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        IConfiguration config;
        try
        {
            config = new ConfigurationBuilder().AddCommandLine(args).Build();
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"Cannot read the command line: {ex.Message}", nameof(args), ex);
        }

        return From(config);
    }

    /// <summary>Reads the options from configuration (the keys are the command-line names without dashes).</summary>
    /// <param name="config">The configuration, e.g. a web application's.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">A value is malformed or out of range.</exception>
    public static DemoOptions From(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string role = (config["role"] ?? GatewayRole).Trim().ToLowerInvariant();
        if (role is not (GatewayRole or WorkerRole))
        {
            throw new ArgumentException($"--role must be '{GatewayRole}' or '{WorkerRole}', not '{config["role"]}'.");
        }

        string? broker = config["broker"] is { Length: > 0 } b ? b.Trim() : null;
        if (broker is not null && !IsHostAndPort(broker))
        {
            throw new ArgumentException($"--broker must be host:port[;host:port] (e.g. 127.0.0.1:7081), not '{broker}'.");
        }

        // A worker's instance id only names its own (unused) reply topic: a fresh one lets several workers run.
        string instance = config["instance"] ?? (role == GatewayRole ? "gateway-1" : "worker-" + Guid.NewGuid().ToString("N")[..8]);
        if (string.IsNullOrWhiteSpace(instance))
        {
            throw new ArgumentException("--instance must not be empty.");
        }

        bool hostWorker = role == WorkerRole || Bool(config, "worker", defaultValue: broker is null);
        return new DemoOptions
        {
            Role = role,
            InstanceId = instance,
            Port = Int(config, "port", 5001, 0, 65535),
            Broker = broker,
            BrokerPort = Int(config, "broker-port", 7081, 0, 65535),
            HostWorker = hostWorker,
            WordDelay = TimeSpan.FromMilliseconds(Int(config, "word-delay-ms", 150, 0, 60_000)),
            Timeout = TimeSpan.FromMilliseconds(Int(config, "timeout-ms", 30_000, 1, 3_600_000)),
            RequireLiveAgent = Bool(config, "require-live-agent", defaultValue: true),
        };
    }

    private static int Int(IConfiguration config, string key, int defaultValue, int min, int max)
    {
        string? text = config[key];
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new ArgumentException($"--{key} must be a whole number from {min} to {max}, not '{text}'.");
        }

        return value;
    }

    private static bool Bool(IConfiguration config, string key, bool defaultValue)
    {
        string? text = config[key];
        if (text is null)
        {
            return defaultValue;
        }

        return bool.TryParse(text, out bool value)
            ? value
            : throw new ArgumentException($"--{key} must be true or false, not '{text}'.");
    }

    private static bool IsHostAndPort(string endpoints) =>
        endpoints.Split(';').All(static endpoint => IsOneHostAndPort(endpoint.Trim()));

    private static bool IsOneHostAndPort(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        return colon > 0
            && int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            && port is > 0 and <= 65535;
    }
}
