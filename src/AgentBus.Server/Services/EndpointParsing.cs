using System.Net;
using System.Net.Sockets;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Services;

/// <summary>Turns <c>host:port</c> text into protocol <see cref="Endpoints"/>.</summary>
internal static class EndpointParsing
{
    public static Endpoints Parse(string hostAndPort)
    {
        var endpoints = new Endpoints();
        foreach (string part in hostAndPort.Split(';', ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string host = part;
            int port = 80;
            int colon = part.LastIndexOf(':');
            bool bracketed = part.StartsWith('[');
            if (colon > 0 && (!bracketed || part[colon - 1] == ']') && int.TryParse(part.AsSpan(colon + 1), out int parsed))
            {
                host = part[..colon];
                port = parsed;
            }

            host = host.Trim('[', ']');
            endpoints.Scheme = IPAddress.TryParse(host, out var address)
                ? address.AddressFamily == AddressFamily.InterNetworkV6 ? AddressScheme.Ipv6 : AddressScheme.Ipv4
                : AddressScheme.DomainName;
            endpoints.Addresses.Add(new Address { Host = host, Port = port });
        }

        return endpoints;
    }
}
