using System.Collections.Concurrent;

namespace AgentBus.Server.Limits;

/// <summary>
/// ReceiveMessage calls open per client id. An entry lives only while a call is open, so the table holds at most one
/// entry per client with a receive in progress.
/// </summary>
internal sealed class PendingReceives
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Calls open now, all clients together.</summary>
    public int Total => _open.Values.Sum();

    /// <summary>Calls <paramref name="clientId"/> has open now.</summary>
    public int Of(string clientId) => _open.TryGetValue(clientId, out int count) ? count : 0;

    /// <summary>Counts one more open call unless the client already has <paramref name="limit"/>; false when refused.</summary>
    public bool TryEnter(string clientId, int limit)
    {
        // Bounded: each round either succeeds or saw another thread change the count, which happens at most once per
        // concurrent call of this client.
        for (int round = 0; round < 10_000; round++)
        {
            if (_open.TryGetValue(clientId, out int count))
            {
                if (count >= limit)
                {
                    return false;
                }

                if (_open.TryUpdate(clientId, count + 1, count))
                {
                    return true;
                }
            }
            else if (_open.TryAdd(clientId, 1))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts one call of <paramref name="clientId"/> as ended.</summary>
    public void Exit(string clientId)
    {
        for (int round = 0; round < 10_000; round++)
        {
            if (!_open.TryGetValue(clientId, out int count))
            {
                return;
            }

            if (count <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(clientId, count)) : _open.TryUpdate(clientId, count - 1, count))
            {
                return;
            }
        }
    }
}
