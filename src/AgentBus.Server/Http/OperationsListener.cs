using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AgentBus.Server.Http;

/// <summary>
/// The operations listener's Kestrel endpoint (<c>Server:Http</c>), kept so its bound address can be told apart from
/// the gRPC endpoint's once the server runs (port 0 included), and so its endpoints answer on it alone.
/// </summary>
internal sealed class OperationsListener
{
    private ListenOptions? _listen;
    private bool _tls;

    /// <summary>Whether the listener is configured.</summary>
    public bool Enabled => Volatile.Read(ref _listen) is not null;

    /// <summary>The bound endpoint (the actual port once Kestrel bound it); null when the listener is off.</summary>
    public IPEndPoint? EndPoint => Volatile.Read(ref _listen)?.IPEndPoint;

    /// <summary><c>http://ADDRESS:PORT</c> (<c>https://</c> with TLS) of the bound listener; null when it is off.</summary>
    public Uri? Address => EndPoint is { } endPoint ? new Uri((_tls ? "https://" : "http://") + endPoint) : null;

    /// <summary>Records the listener Kestrel was told to bind.</summary>
    public void Configured(ListenOptions listen, bool tls)
    {
        _tls = tls;
        Volatile.Write(ref _listen, listen);
    }

    /// <summary>Whether a request came in on the operations listener rather than on the gRPC endpoint.</summary>
    public bool Received(HttpContext context) =>
        EndPoint is { } endPoint && context.Connection.LocalPort == endPoint.Port;

    /// <summary>Whether <paramref name="address"/>, as the server lists its addresses, is this listener's.</summary>
    public bool Is(string address) =>
        EndPoint is { } endPoint && Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Port == endPoint.Port;
}
