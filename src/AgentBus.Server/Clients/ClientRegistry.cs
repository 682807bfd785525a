using System.Collections.Concurrent;
using AgentBus.Broker.Subscriptions;
using AgentBus.Server.Errors;
using AgentBus.Server.Hosting;
using Apache.Rocketmq.V2;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Clients;

/// <summary>
/// What the server knows about each connected client: the settings it announced over Telemetry and when it was
/// last heard from. Keyed by client id. Lite subscriptions live in the engine; this is transport-level state.
/// </summary>
internal sealed class ClientRegistry
{
    private readonly ConcurrentDictionary<string, ClientInfo> _clients = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _maxClientIdLength;
    private readonly int _maxClients;
    private int _count;
    private long _refusedIds;
    private long _refusedFull;

    /// <summary>Creates an empty registry.</summary>
    /// <param name="time">Clock for last-seen times.</param>
    /// <param name="options">The server options, for the bounds on client ids and on live clients.</param>
    public ClientRegistry(TimeProvider time, IOptions<ServerOptions> options)
    {
        _time = time;
        _maxClientIdLength = options.Value.MaxClientIdLength;
        _maxClients = options.Value.MaxClients;
    }

    /// <summary>Clients currently known.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>New clients refused since the start because their id was longer than <see cref="ServerOptions.MaxClientIdLength"/>.</summary>
    public long RefusedIds => Interlocked.Read(ref _refusedIds);

    /// <summary>New clients refused since the start because <see cref="ServerOptions.MaxClients"/> were known.</summary>
    public long RefusedFull => Interlocked.Read(ref _refusedFull);

    /// <summary>Ids of the clients currently known.</summary>
    public IEnumerable<string> Ids => _clients.Keys;

    /// <summary>
    /// Records that <paramref name="clientId"/> was heard from and returns its entry. A client is unauthenticated
    /// until proven otherwise and each one costs memory here and in the engine, so a new client is admitted only with
    /// an id of at most <see cref="ServerOptions.MaxClientIdLength"/> characters and while fewer than
    /// <see cref="ServerOptions.MaxClients"/> are known; known clients are always served.
    /// </summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The client's entry, created on first contact.</returns>
    /// <exception cref="RequestException">BAD_REQUEST for an over-long id, TOO_MANY_REQUESTS when the broker knows as many clients as it may.</exception>
    public ClientInfo Touch(string clientId)
    {
        if (!_clients.TryGetValue(clientId, out var info))
        {
            info = Admit(clientId);
        }

        info.LastSeen = _time.GetUtcNow();
        return info;
    }

    private ClientInfo Admit(string clientId)
    {
        if (clientId.Length > _maxClientIdLength)
        {
            Interlocked.Increment(ref _refusedIds);
            throw new RequestException(Code.BadRequest,
                $"The x-mq-client-id header has {clientId.Length} characters; the broker takes at most {_maxClientIdLength}.");
        }

        // Checked before adding, so concurrent first contacts can pass the bound by at most their number.
        if (Volatile.Read(ref _count) >= _maxClients)
        {
            Interlocked.Increment(ref _refusedFull);
            throw new RequestException(Code.TooManyRequests,
                $"The broker serves {_maxClients} clients, its limit (Server:MaxClients); retry once others have gone.");
        }

        var created = new ClientInfo(clientId);
        if (_clients.TryAdd(clientId, created))
        {
            Interlocked.Increment(ref _count);
            return created;
        }

        return _clients.TryGetValue(clientId, out var existing) ? existing : Admit(clientId);
    }

    /// <summary>Records the settings a client announced.</summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="settings">The client's settings.</param>
    /// <returns>The updated entry.</returns>
    public ClientInfo UpdateSettings(string clientId, Settings settings)
    {
        var info = Touch(clientId);
        if (settings.HasClientType)
        {
            info.ClientType = settings.ClientType;
        }

        if (settings.Subscription is { } subscription && subscription.Group is { } group)
        {
            info.Group = group.Name;
        }

        return info;
    }

    /// <summary>Finds a client's entry.</summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The entry, or null when the client is unknown.</returns>
    public ClientInfo? Find(string clientId) => _clients.TryGetValue(clientId, out var info) ? info : null;

    /// <summary>Whether the client was heard from within <paramref name="window"/>.</summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="window">How recent the last contact must be.</param>
    /// <returns>True for a live client.</returns>
    public bool IsAlive(string clientId, TimeSpan window) =>
        _clients.TryGetValue(clientId, out var info) && (info.TelemetryOpen || _time.GetUtcNow() - info.LastSeen < window);

    /// <summary>Forgets a client (it terminated).</summary>
    /// <param name="clientId">The client id.</param>
    public void Remove(string clientId)
    {
        if (_clients.TryRemove(clientId, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Forgets clients not heard from within <paramref name="window"/> and without an open Telemetry stream.</summary>
    /// <param name="window">How long a silent client is kept.</param>
    /// <returns>Ids of the clients removed.</returns>
    public IReadOnlyList<string> RemoveSilent(TimeSpan window)
    {
        var now = _time.GetUtcNow();
        List<string>? removed = null;
        foreach (var (id, info) in _clients)
        {
            if (!info.TelemetryOpen && now - info.LastSeen >= window && _clients.TryRemove(id, out _))
            {
                Interlocked.Decrement(ref _count);
                (removed ??= []).Add(id);
            }
        }

        return removed ?? (IReadOnlyList<string>)[];
    }
}
