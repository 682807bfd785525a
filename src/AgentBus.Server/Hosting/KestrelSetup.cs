using System.Net;
using System.Security.Cryptography.X509Certificates;
using AgentBus.Server.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AgentBus.Server.Hosting;

/// <summary>The broker's Kestrel listeners (gRPC over HTTP/2, and the operations listener over HTTP/1.1) and HTTP/2 limits.</summary>
internal static class KestrelSetup
{
    /// <param name="kestrel">Kestrel's options.</param>
    /// <param name="server">The broker's server options.</param>
    /// <param name="urls">The configuration's listen URLs (already checked), which then replace Address and Port.</param>
    /// <param name="operations">Told about the operations listener, when <see cref="ServerOptions.Http"/> enables it.</param>
    public static void Configure(KestrelServerOptions kestrel, ServerOptions server, IReadOnlyList<string>? urls, OperationsListener operations)
    {
        var certificate = server.Tls.LoadCertificate();
        if (urls is null)
        {
            kestrel.Listen(IPAddress.Parse(server.Address), server.Port, listen => ConfigureBroker(listen, certificate));
        }
        else
        {
            // Bound here rather than by Kestrel from the URLs, so they sit beside the operations listener (Kestrel binds
            // the URLs only when no endpoint is configured in code).
            foreach (string url in urls)
            {
                Listen(kestrel, BindingAddress.Parse(url), listen => ConfigureBroker(listen, certificate));
            }
        }

        if (server.Http.Enabled)
        {
            var address = IPAddress.Parse(server.Http.Address ?? server.Address);
            kestrel.Listen(address, server.Http.Port, listen =>
            {
                // Browsers, probes and scrapers speak HTTP/1.1; the gRPC port stays HTTP/2 only.
                listen.Protocols = HttpProtocols.Http1;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }

                operations.Configured(listen, certificate is not null);
            });
        }

        // Long-lived streams from many clients, and batches of messages on one connection.
        kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
        kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
        kestrel.Limits.MinRequestBodyDataRate = null;
    }

    /// <summary>Binds one listen URL as Kestrel would: a Unix socket, localhost, an IP address, or any address for a host name or wildcard.</summary>
    private static void Listen(KestrelServerOptions kestrel, BindingAddress url, Action<ListenOptions> configure)
    {
        if (url.IsUnixPipe)
        {
            kestrel.ListenUnixSocket(url.UnixPipePath, configure);
        }
        else if (string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(url.Port, configure);
        }
        else if (IPAddress.TryParse(url.Host.TrimStart('[').TrimEnd(']'), out var address))
        {
            kestrel.Listen(address, url.Port, configure);
        }
        else
        {
            kestrel.ListenAnyIP(url.Port, configure);
        }
    }

    private static void ConfigureBroker(ListenOptions listen, X509Certificate2? certificate)
    {
        listen.Protocols = HttpProtocols.Http2;
        if (certificate is not null)
        {
            // HTTP/2 over TLS: with HTTP/2 as the only protocol, ALPN offers h2 alone.
            listen.UseHttps(certificate);
        }
    }
}
