using System.Collections.Concurrent;
using AgentBus.Broker.Errors;

namespace AgentBus.Broker.Clients;

/// <summary>
/// The client sessions by client id, with admission: a new client is admitted only with an id within
/// <see cref="ClientAdmission.MaxClientIdLength"/> and while fewer than <see cref="ClientAdmission.MaxClients"/> are
/// known. Removing a session is the engine's terminate, which also empties the other per-client stores.
/// </summary>
internal sealed class ClientTable
{
    private readonly ConcurrentDictionary<string, ClientSession> _sessions = new(StringComparer.Ordinal);
    private readonly ClientAdmission _admission;
    private readonly TimeSpan _expiry;
    private readonly TimeProvider _time;
    private int _count;
    private long _refusedIds;
    private long _refusedFull;

    public ClientTable(ClientAdmission admission, TimeSpan expiry, TimeProvider time)
    {
        _admission = admission;
        _expiry = expiry;
        _time = time;
    }

    /// <summary>Clients known now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>New clients refused since the start because their id was too long.</summary>
    public long RefusedIds => Interlocked.Read(ref _refusedIds);

    /// <summary>New clients refused since the start because the table was full.</summary>
    public long RefusedFull => Interlocked.Read(ref _refusedFull);

    public IEnumerable<ClientSession> Sessions => _sessions.Values;

    public ClientSession? Find(string clientId) => _sessions.TryGetValue(clientId, out var session) ? session : null;

    /// <summary>Records a call of <paramref name="clientId"/> and returns its session, admitting a new client.</summary>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.BadRequest"/> for a blank or over-long id, <see cref="BrokerErrorCode.TooManyClients"/>
    /// when the table is full.
    /// </exception>
    public ClientSession Touch(string clientId)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            var session = _sessions.TryGetValue(clientId, out var known) ? known : Admit(clientId, now);
            session.Touch(now);
            // Terminated or expired between the lookup and now: the next call finds the table without it.
            if (!session.Closed)
            {
                return session;
            }
        }
    }

    private ClientSession Admit(string clientId, long now)
    {
        if (string.IsNullOrWhiteSpace(clientId))
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, "A client id is required.");
        }

        if (clientId.Length > _admission.MaxClientIdLength)
        {
            Interlocked.Increment(ref _refusedIds);
            throw new BrokerException(BrokerErrorCode.BadRequest,
                $"The client id has {clientId.Length} characters; the broker takes at most {_admission.MaxClientIdLength}.");
        }

        // Checked before adding, so concurrent first contacts can pass the bound by at most their number.
        if (Volatile.Read(ref _count) >= _admission.MaxClients)
        {
            Interlocked.Increment(ref _refusedFull);
            throw new BrokerException(BrokerErrorCode.TooManyClients,
                $"The broker serves {_admission.MaxClients} clients, its limit; retry once others have gone.");
        }

        var created = new ClientSession(clientId, now, _expiry);
        if (_sessions.TryAdd(clientId, created))
        {
            Interlocked.Increment(ref _count);
            return created;
        }

        return _sessions.TryGetValue(clientId, out var existing) ? existing : Admit(clientId, now);
    }

    /// <summary>Takes a session out of the table and closes it; false when it was gone already.</summary>
    public bool Remove(ClientSession session)
    {
        if (!_sessions.TryRemove(new KeyValuePair<string, ClientSession>(session.ClientId, session)))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        session.Closed = true;
        return true;
    }
}
