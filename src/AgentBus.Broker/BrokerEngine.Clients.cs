using AgentBus.Broker.Clients;
using AgentBus.Broker.Consumption;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>Clients known now: heard from within <see cref="BrokerOptions.ClientExpiry"/>, or holding a stream open.</summary>
    public int ClientCount => _clients.Count;

    /// <summary>New clients refused since the start because their id was too long.</summary>
    internal long RefusedClientIds => _clients.RefusedIds;

    /// <summary>New clients refused since the start because the broker knew as many clients as it admits.</summary>
    internal long RefusedClientsFull => _clients.RefusedFull;

    /// <summary>Ids of the clients known now.</summary>
    public IReadOnlyList<string> ClientIds => [.. _clients.Sessions.Select(s => s.ClientId)];

    /// <summary>Deliveries received with auto-renew, renewed while their client lives (the server tracks them on receive).</summary>
    internal ReceiptRenewer Renewals { get; }

    /// <summary>Records a call of a client and returns its session, admitting a new client within the admission bounds.</summary>
    /// <exception cref="Errors.BrokerException">
    /// <see cref="Errors.BrokerErrorCode.BadRequest"/> for a blank or over-long id, <see cref="Errors.BrokerErrorCode.TooManyClients"/>
    /// when the broker knows as many clients as it admits.
    /// </exception>
    internal ClientSession TouchClient(string clientId) => _clients.Touch(clientId);

    /// <summary>A client's session, or null for a client not known now.</summary>
    internal ClientSession? FindClient(string clientId) => _clients.Find(clientId);

    /// <summary>Keeps a client and its lite subscriptions alive; call on every heartbeat.</summary>
    public void Heartbeat(string clientId) => _clients.Touch(clientId);

    /// <summary>
    /// The client is gone: forgets it everywhere — its lite subscriptions (pending ready events move to other clients
    /// of the group, the deliveries it held are released), the auto-renewal of its deliveries and its receive attempts.
    /// </summary>
    /// <returns>Whether the client was known.</returns>
    public bool ClientTerminated(string clientId) =>
        _clients.Find(clientId) is { } session && Depart(session);

    /// <summary>
    /// Forgets the clients not heard from within <see cref="BrokerOptions.ClientExpiry"/> and holding no stream open,
    /// as <see cref="ClientTerminated"/> does (also runs every <see cref="BrokerOptions.ClientScanInterval"/>).
    /// </summary>
    /// <returns>How many were forgotten.</returns>
    public int ExpireDeadClients()
    {
        long now = Now();
        int expired = 0;
        foreach (var session in _clients.Sessions)
        {
            if (session.IsSilentAt(now) && Depart(session))
            {
                expired++;
            }
        }

        if (expired > 0)
        {
            EngineLog.ClientsExpired(_logger, expired);
        }

        return expired;
    }

    /// <summary>Whether a client id belongs to a live client now (what keeps its deliveries renewed).</summary>
    private bool IsClientAlive(string clientId) => _clients.Find(clientId) is { } session && session.IsLiveAt(Now());

    /// <summary>The one way out of the client table; false when another caller took the client out first.</summary>
    private bool Depart(ClientSession session)
    {
        if (!_clients.Remove(session))
        {
            return false;
        }

        _registry.Release(session);
        Renewals.ForgetClient(session.ClientId);
        ReceiveAttempts.ForgetClient(session.ClientId);
        return true;
    }
}
