using System.Net;
using System.Net.Sockets;

namespace AgentBus.TestUtilities;

/// <summary>
/// A TCP proxy on a free loopback port that forwards to a target (a <see cref="TestBroker"/>) and injects network
/// faults on command: cut every connection (reset or orderly close), refuse new connections, delay or stall a
/// direction, cut a connection after a number of bytes (in the middle of a response), and count connections and
/// bytes. It forwards bytes only, so HTTP/2 and gRPC pass through unchanged. Every control is thread-safe and takes
/// effect at once, for the open connections and the ones that follow. Disposing it closes every socket it holds.
/// </summary>
/// <example>
/// <code>
/// await using var proxy = FaultProxy.Start(broker.Port);
/// var provider = new ClientServiceProvider(new ClientConfiguration { Endpoints = proxy.Endpoint });
/// // ... start a client on provider, then:
/// await proxy.CutAllAsync();                                      // every connection gets a TCP reset
/// await proxy.CutAfterAsync(FaultDirection.ToClient, 100);       // cut inside the next 100 bytes of responses
/// </code>
/// </example>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly HashSet<ProxiedConnection> _connections = [];
    private readonly DirectionFaults _toTarget = new();
    private readonly DirectionFaults _toClient = new();
    private readonly Signal _accepted = new();
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private bool _disposed;

    private FaultProxy(IPEndPoint target)
    {
        _target = target;
    }

    /// <summary>The loopback port the proxy listens on, the same while it refuses and accepts again.</summary>
    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:PORT</c>, the access point to give clients instead of the target's.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Connections accepted since the start.</summary>
    public int ConnectionsAccepted => _accepted.Count;

    /// <summary>Connections open now.</summary>
    public int ActiveConnections
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Whether the proxy accepts new connections (false between <see cref="RefuseConnectionsAsync"/> and <see cref="AcceptConnections"/>).</summary>
    public bool IsAcceptingConnections
    {
        get
        {
            lock (_gate)
            {
                return _listener is not null;
            }
        }
    }

    /// <summary>Starts a proxy to <paramref name="target"/>.</summary>
    /// <param name="target">Where connections are forwarded.</param>
    /// <returns>The running proxy; dispose it to close every connection.</returns>
    public static FaultProxy Start(IPEndPoint target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var proxy = new FaultProxy(target);
        proxy.AcceptConnections();
        return proxy;
    }

    /// <summary>Starts a proxy to <c>127.0.0.1:<paramref name="targetPort"/></c> (a <see cref="TestBroker.Port"/>).</summary>
    /// <param name="targetPort">The target's loopback port.</param>
    /// <returns>The running proxy.</returns>
    public static FaultProxy Start(int targetPort) => Start(new IPEndPoint(IPAddress.Loopback, targetPort));

    /// <summary>Bytes forwarded in <paramref name="direction"/> since the start.</summary>
    /// <param name="direction">The direction.</param>
    /// <returns>The byte count.</returns>
    public long BytesForwarded(FaultDirection direction) => Faults(direction).Bytes;

    /// <summary>
    /// Bytes the proxy read in <paramref name="direction"/> and holds back now (behind a stall or a delay): a test knows
    /// by it that a request or an answer is in flight before it cuts the connection.
    /// </summary>
    /// <param name="direction">The direction.</param>
    /// <returns>The byte count.</returns>
    public long BytesHeld(FaultDirection direction) => Faults(direction).Held;

    /// <summary>Waits until <paramref name="count"/> connections were accepted since the start, failing the test after <paramref name="timeout"/>.</summary>
    /// <param name="count">Connections accepted in all.</param>
    /// <param name="timeout">How long to wait; <see cref="Eventually.DefaultTimeout"/> when null.</param>
    /// <returns>A task that completes once that many were accepted.</returns>
    public Task WaitForConnectionsAsync(int count, TimeSpan? timeout = null) =>
        _accepted.WaitAsync(count, timeout, $"The proxy accepted {ConnectionsAccepted} of {count} connections in time.");

    /// <summary>Cuts every open connection now; new connections are accepted as before.</summary>
    /// <param name="mode">A reset (the default) or an orderly close of both sides.</param>
    /// <returns>A task that completes when the cut connections are closed.</returns>
    public Task CutAllAsync(CutMode mode = CutMode.Reset)
    {
        ProxiedConnection[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        foreach (var connection in open)
        {
            connection.Cut(mode);
        }

        return ForgetWhenDoneAsync(open);
    }

    /// <summary>
    /// Waits for the cut connections to end and forgets them at once, so <see cref="ActiveConnections"/> is exact when a
    /// cut completes (the accept loop's own removal runs on a continuation that may come later; removing twice is harmless).
    /// </summary>
    private async Task ForgetWhenDoneAsync(ProxiedConnection[] cut)
    {
        await Task.WhenAll(cut.Select(c => c.Completion)).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var connection in cut)
            {
                _connections.Remove(connection);
            }
        }
    }

    /// <summary>
    /// Stops listening: new connections are refused (the client's connect fails) until <see cref="AcceptConnections"/>.
    /// Open connections stay up; cut them with <see cref="CutAllAsync"/>.
    /// </summary>
    /// <returns>A task that completes when the proxy no longer listens.</returns>
    public Task RefuseConnectionsAsync()
    {
        Socket? listener;
        Task loop;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
            loop = _acceptLoop;
        }

        listener?.Dispose();
        return loop;
    }

    /// <summary>Refuses new connections for <paramref name="period"/>, then accepts them again.</summary>
    /// <param name="period">How long connections are refused.</param>
    /// <param name="ct">Cancels the wait (the proxy then accepts again at once).</param>
    /// <returns>A task that completes when the proxy accepts connections again.</returns>
    public async Task RefuseConnectionsForAsync(TimeSpan period, CancellationToken ct = default)
    {
        await RefuseConnectionsAsync().ConfigureAwait(false);
        try
        {
            await Task.Delay(period, ct).ConfigureAwait(false);
        }
        finally
        {
            AcceptConnections();
        }
    }

    /// <summary>Listens (again) on <see cref="Port"/>; does nothing while it listens already.</summary>
    /// <exception cref="ObjectDisposedException">The proxy is disposed.</exception>
    public void AcceptConnections()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listener is not null)
            {
                return;
            }

            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                // The same port again after a refusal, although connections accepted on it are still open.
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, Port));
                listener.Listen(128);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            _listener = listener;
            _acceptLoop = AcceptLoopAsync(listener);
        }
    }

    /// <summary>Delays every read forwarded in <paramref name="direction"/> by <paramref name="delay"/> (zero: none).</summary>
    /// <param name="direction">The direction.</param>
    /// <param name="delay">The delay per forwarded read.</param>
    public void SetDelay(FaultDirection direction, TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Faults(direction).Delay = delay;
    }

    /// <summary>
    /// Stops forwarding in <paramref name="direction"/> (both when null) without closing anything: the connections
    /// stay open and silent, as behind a dead route, until <see cref="Resume"/>. Bytes sent meanwhile wait in the
    /// sockets' buffers and go through on resume.
    /// </summary>
    /// <param name="direction">The direction; null for both.</param>
    public void Stall(FaultDirection? direction = null)
    {
        foreach (var faults in Selected(direction))
        {
            faults.Stall();
        }
    }

    /// <summary>Forwards again what <see cref="Stall"/> held back.</summary>
    /// <param name="direction">The direction; null for both.</param>
    public void Resume(FaultDirection? direction = null)
    {
        foreach (var faults in Selected(direction))
        {
            faults.Resume();
        }
    }

    /// <summary>Whether <paramref name="direction"/> is stalled.</summary>
    /// <param name="direction">The direction.</param>
    /// <returns>True while stalled.</returns>
    public bool IsStalled(FaultDirection direction) => Faults(direction).IsStalled;

    /// <summary>
    /// Arms a cut: the connection that forwards the next <paramref name="bytes"/> bytes in <paramref name="direction"/>
    /// (counted from now, over every connection) forwards exactly that many and is then cut. Replaces a cut armed
    /// before in that direction.
    /// </summary>
    /// <param name="direction">The direction whose bytes are counted.</param>
    /// <param name="bytes">Bytes still forwarded before the cut (at least 1).</param>
    /// <param name="mode">A reset (the default) or an orderly close.</param>
    /// <returns>A task that completes once the cut happened (cancelled if replaced or the proxy is disposed first).</returns>
    public Task CutAfterAsync(FaultDirection direction, long bytes, CutMode mode = CutMode.Reset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        return Faults(direction).ArmCut(bytes, mode);
    }

    /// <summary>Stops listening, resets every connection and waits for all of them to close.</summary>
    /// <returns>A task that completes when every socket and task of the proxy is done.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await RefuseConnectionsAsync().ConfigureAwait(false);
        _toTarget.Release();
        _toClient.Release();
        await CutAllAsync(CutMode.Reset).ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        // Bounded by the listener: it ends when the listener is closed.
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            var connection = new ProxiedConnection(client);
            lock (_gate)
            {
                if (_disposed)
                {
                    connection.Cut(CutMode.Reset);
                    continue;
                }

                // Started under the lock, so whoever sees the connection in the set can await its completion.
                _connections.Add(connection);
                connection.Start(_target, _toTarget, _toClient);
            }

            _accepted.Set();
            _ = ForgetWhenClosedAsync(connection);
        }
    }

    private async Task ForgetWhenClosedAsync(ProxiedConnection connection)
    {
        await connection.Completion.ConfigureAwait(false);
        lock (_gate)
        {
            _connections.Remove(connection);
        }
    }

    private DirectionFaults Faults(FaultDirection direction) => direction switch
    {
        FaultDirection.ToTarget => _toTarget,
        FaultDirection.ToClient => _toClient,
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown direction."),
    };

    private IEnumerable<DirectionFaults> Selected(FaultDirection? direction) =>
        direction is { } one ? [Faults(one)] : [_toTarget, _toClient];
}
