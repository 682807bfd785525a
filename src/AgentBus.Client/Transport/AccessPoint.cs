using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Transport;

/// <summary>One or more <c>host:port</c> addresses that together name a broker (or proxy) endpoint.</summary>
internal sealed class AccessPoint
{
    private AccessPoint(IReadOnlyList<(string Host, int Port)> addresses, AddressScheme scheme)
    {
        Addresses = addresses;
        Scheme = scheme;
        Facade = string.Join(';', addresses.Select(a => Format(a.Host, a.Port)));
    }

    /// <summary>The addresses, in the order they are tried.</summary>
    public IReadOnlyList<(string Host, int Port)> Addresses { get; }

    /// <summary>IPv4, IPv6 or domain name, as the protocol's <see cref="Endpoints"/> carries it.</summary>
    public AddressScheme Scheme { get; }

    /// <summary>Canonical text (<c>host:port;host:port</c>), the key of the endpoint's connection.</summary>
    public string Facade { get; }

    /// <summary>Parses <c>host:port[;host:port]</c> (a missing port means 80, as in the official clients).</summary>
    public static AccessPoint Parse(string text)
    {
        var addresses = new List<(string, int)>();
        var scheme = AddressScheme.DomainName;
        foreach (string part in text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string host = part;
            int port = 80;
            int colon = part.LastIndexOf(':');
            bool bracketed = part.StartsWith('[');
            if (colon > 0 && (!bracketed || part[colon - 1] == ']'))
            {
                if (!int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
                {
                    throw new ArgumentException($"'{part}' has no valid port.", nameof(text));
                }

                host = part[..colon];
            }

            host = host.Trim('[', ']');
            if (host.Length == 0)
            {
                throw new ArgumentException($"'{part}' has no host.", nameof(text));
            }

            scheme = IPAddress.TryParse(host, out var ip)
                ? ip.AddressFamily == AddressFamily.InterNetworkV6 ? AddressScheme.Ipv6 : AddressScheme.Ipv4
                : AddressScheme.DomainName;
            addresses.Add((host, port));
        }

        if (addresses.Count == 0)
        {
            throw new ArgumentException("No endpoint address given.", nameof(text));
        }

        return new AccessPoint(addresses, scheme);
    }

    /// <summary>The access point of a route's broker.</summary>
    public static AccessPoint From(Endpoints endpoints)
    {
        var addresses = endpoints.Addresses.Select(a => (a.Host, a.Port)).ToList();
        if (addresses.Count == 0)
        {
            throw new ArgumentException("A route names a broker without addresses.", nameof(endpoints));
        }

        return new AccessPoint(addresses, endpoints.Scheme);
    }

    /// <summary>The protocol form, sent in settings, routes and assignments queries.</summary>
    public Endpoints ToProtobuf()
    {
        var endpoints = new Endpoints { Scheme = Scheme };
        foreach (var (host, port) in Addresses)
        {
            endpoints.Addresses.Add(new Address { Host = host, Port = port });
        }

        return endpoints;
    }

    /// <summary>The URI of one address.</summary>
    public Uri UriOf(int index, bool tls)
    {
        var (host, port) = Addresses[index];
        return new Uri((tls ? "https://" : "http://") + Format(host, port));
    }

    /// <inheritdoc />
    public override string ToString() => Facade;

    private static string Format(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"[{host}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
}
