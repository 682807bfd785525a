using AgentBus.Broker.Clients;
using AgentBus.Server.Hosting;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Clients;

/// <summary>
/// Maps a call's <c>x-mq-client-id</c> to the client's engine session and the protocol state attached to it. The
/// engine keeps the one record per client — liveness, admission (<see cref="ServerOptions.MaxClientIdLength"/>,
/// <see cref="ServerOptions.MaxClients"/>), expiry and terminate — so nothing here has to be kept in step with it.
/// </summary>
internal sealed class ClientRegistry
{
    private static readonly Func<ClientSession, ClientInfo> NewInfo = static session => new ClientInfo(session);
    private readonly BrokerEngineHost _host;

    /// <summary>Creates the mapping over the engine's clients.</summary>
    /// <param name="host">The engine's host.</param>
    public ClientRegistry(BrokerEngineHost host) => _host = host;

    /// <summary>Clients currently known.</summary>
    public int Count => _host.IsRunning ? _host.Engine.ClientCount : 0;

    /// <summary>New clients refused since the start because their id was longer than <see cref="ServerOptions.MaxClientIdLength"/>.</summary>
    public long RefusedIds => _host.IsRunning ? _host.Engine.RefusedClientIds : 0;

    /// <summary>New clients refused since the start because <see cref="ServerOptions.MaxClients"/> were known.</summary>
    public long RefusedFull => _host.IsRunning ? _host.Engine.RefusedClientsFull : 0;

    /// <summary>
    /// Records that <paramref name="clientId"/> was heard from and returns its entry; the engine admits a new client
    /// only within the server's bounds, and always serves a known one.
    /// </summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The client's entry, created on first contact.</returns>
    /// <exception cref="Broker.Errors.BrokerException">BAD_REQUEST for an over-long id, TOO_MANY_REQUESTS when the broker knows as many clients as it may.</exception>
    public ClientInfo Touch(string clientId) => _host.Engine.TouchClient(clientId).Attach(NewInfo);

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
    /// <returns>The entry, or null when the client is unknown or has not called the server yet.</returns>
    public ClientInfo? Find(string clientId) => _host.IsRunning ? _host.Engine.FindClient(clientId)?.Attached<ClientInfo>() : null;
}
