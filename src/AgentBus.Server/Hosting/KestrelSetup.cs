using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AgentBus.Server.Hosting;

/// <summary>The broker's Kestrel listener and HTTP/2 limits.</summary>
internal static class KestrelSetup
{
    /// <param name="kestrel">Kestrel's options.</param>
    /// <param name="server">The broker's server options.</param>
    /// <param name="urls">The configuration's listen URLs (already checked), which then replace Address and Port.</param>
    public static void Configure(KestrelServerOptions kestrel, ServerOptions server, IReadOnlyList<string>? urls)
    {
        var certificate = server.Tls.LoadCertificate();
        if (urls is null)
        {
            kestrel.Listen(IPAddress.Parse(server.Address), server.Port, listen => ConfigureEndpoint(listen, certificate));
        }
        else
        {
            // Kestrel binds the URLs itself (host names and wildcards included); every endpoint gets the broker's protocol.
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
            if (certificate is not null)
            {
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }
        }

        // Long-lived streams from many clients, and batches of messages on one connection.
        kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
        kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
        kestrel.Limits.MinRequestBodyDataRate = null;
    }

    private static void ConfigureEndpoint(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        listen.Protocols = HttpProtocols.Http2;
        if (certificate is not null)
        {
            // HTTP/2 over TLS: with HTTP/2 as the only protocol, ALPN offers h2 alone.
            listen.UseHttps(certificate);
        }
    }
}
