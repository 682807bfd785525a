namespace AgentBus.Server.Hosting;

/// <summary>
/// The broker's operations listener (configuration section <c>Server:Http</c>): HTTP/1.1 on a port of its own,
/// apart from the gRPC port, serving <c>/healthz/live</c>, <c>/healthz/ready</c>, the Prometheus scrape endpoint
/// <c>/metrics</c> and, when <see cref="Dashboard"/> is on, the dashboard at <c>/dashboard</c>. It serves TLS when the
/// broker does (<see cref="ServerOptions.Tls"/>), with the same certificate.
/// </summary>
public sealed class ServerHttpOptions
{
    /// <summary>The port of the standalone broker's operations listener.</summary>
    public const int DefaultPort = 8082;

    /// <summary>
    /// Whether the listener runs. Off by default in the library and the embedded broker; the standalone broker
    /// (<c>AgentBus.Server.Host</c>) turns it on in its <c>appsettings.json</c>.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>IP address to listen on; null (the default) uses <see cref="ServerOptions.Address"/>.</summary>
    public string? Address { get; set; }

    /// <summary>TCP port to listen on (default 8082); 0 picks a free port. It must differ from <see cref="ServerOptions.Port"/>.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>
    /// Whether the listener serves the live dashboard at <c>/dashboard</c> (default off). It shows lite topics,
    /// clients and message bodies: with <see cref="ServerOptions.Auth"/> on, only admin users may open it (HTTP Basic
    /// with their access key and secret); with authentication off, anyone who reaches the port may.
    /// </summary>
    public bool Dashboard { get; set; }

    internal void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), "Server:Http:Port must be within 0..65535.");
        }

        if (!Enabled)
        {
            return;
        }

        if (Address is not null && !System.Net.IPAddress.TryParse(Address, out _))
        {
            throw new ArgumentException($"Server:Http:Address '{Address}' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0).", nameof(Address));
        }
    }
}
