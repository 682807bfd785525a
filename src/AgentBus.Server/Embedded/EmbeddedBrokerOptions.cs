using System.Security.Cryptography.X509Certificates;
using AgentBus.Broker;

namespace AgentBus.Server.Embedded;

/// <summary>How <see cref="EmbeddedBroker"/> starts.</summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>Data folder; null uses a fresh temporary folder that is deleted when the broker is disposed.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Loopback port; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// A certificate with its private key to serve TLS with (HTTP/2 over TLS, ALPN h2); null (the default) serves
    /// HTTP/2 cleartext. The caller keeps ownership and disposes it after the broker. Clients must trust it: a
    /// self-signed test certificate needs a validation callback on the client side.
    /// </summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>Changes the engine options (quotas, auto-create, flush mode...) before the engine opens.</summary>
    public Action<BrokerOptions>? ConfigureBroker { get; set; }

    /// <summary>
    /// Changes the server options (long polling, auto-renewal, <see cref="Hosting.ServerOptions.Auth"/>...) before the
    /// server starts.
    /// </summary>
    public Action<Hosting.ServerOptions>? ConfigureServer { get; set; }

    /// <summary>
    /// Configuration the broker reads its sections from (<c>Server</c>, <c>Broker</c>), before
    /// <see cref="ConfigureServer"/> and <see cref="ConfigureBroker"/> apply; its address and port are the embedded
    /// broker's own. A change of its <c>Server:Auth</c> section (users, secrets, permissions) applies while the broker runs.
    /// </summary>
    public Microsoft.Extensions.Configuration.IConfiguration? Configuration { get; set; }

    /// <summary>Where the broker logs; null logs nowhere.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }
}
