using System.Collections.Concurrent;
using AgentBus.Broker.Subscriptions;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Clients;

/// <summary>
/// What the server knows about each connected client: the settings it announced over Telemetry and when it was
/// last heard from. Keyed by client id. Lite subscriptions live in the engine; this is transport-level state.
/// </summary>
internal sealed class ClientRegistry
{
    private readonly ConcurrentDictionary<string, ClientInfo> _clients = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates an empty registry.</summary>
    /// <param name="time">Clock for last-seen times.</param>
    public ClientRegistry(TimeProvider time) => _time = time;

    /// <summary>Clients currently known.</summary>
    public int Count => _clients.Count;

    /// <summary>Ids of the clients currently known.</summary>
    public IEnumerable<string> Ids => _clients.Keys;

    /// <summary>Records that <paramref name="clientId"/> was heard from and returns its entry.</summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The client's entry, created on first contact.</returns>
    public ClientInfo Touch(string clientId)
    {
        var info = _clients.GetOrAdd(clientId, static id => new ClientInfo(id));
        info.LastSeen = _time.GetUtcNow();
        return info;
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

    /// <summary>Engine callback: exclusive mode gave one of a client's lite topics to another client.</summary>
    /// <param name="notice">Which client lost which lite topic.</param>
    public void OnLiteEvicted(LiteUnsubscribeNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        Find(notice.ClientId)?.Evictions.Record(notice.LiteTopic);
    }

    /// <summary>Forgets a client (it terminated).</summary>
    /// <param name="clientId">The client id.</param>
    public void Remove(string clientId) => _clients.TryRemove(clientId, out _);

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
                (removed ??= []).Add(id);
            }
        }

        return removed ?? (IReadOnlyList<string>)[];
    }
}
