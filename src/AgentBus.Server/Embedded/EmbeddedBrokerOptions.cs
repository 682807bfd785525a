using AgentBus.Broker;

namespace AgentBus.Server.Embedded;

/// <summary>How <see cref="EmbeddedBroker"/> starts.</summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>Data folder; null uses a fresh temporary folder that is deleted when the broker is disposed.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Loopback port; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Changes the engine options (quotas, auto-create, flush mode...) before the engine opens.</summary>
    public Action<BrokerOptions>? ConfigureBroker { get; set; }

    /// <summary>Changes the server options (long polling, auto-renewal...) before the server starts.</summary>
    public Action<Hosting.ServerOptions>? ConfigureServer { get; set; }

    /// <summary>Where the broker logs; null logs nowhere.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }
}
