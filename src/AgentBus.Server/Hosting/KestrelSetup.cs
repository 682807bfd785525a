using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AgentBus.Server.Hosting;

/// <summary>The broker's Kestrel listener and HTTP/2 limits.</summary>
internal static class KestrelSetup
{
    public static void Configure(KestrelServerOptions kestrel, ServerOptions server)
    {
        var certificate = server.Tls.LoadCertificate();
        kestrel.Listen(IPAddress.Parse(server.Address), server.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (certificate is not null)
            {
                // HTTP/2 over TLS: with HTTP/2 as the only protocol, ALPN offers h2 alone.
                listen.UseHttps(certificate);
            }
        });
        // Long-lived streams from many clients, and batches of messages on one connection.
        kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
        kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
        kestrel.Limits.MinRequestBodyDataRate = null;
    }
}
