using System.Collections.Concurrent;
using AgentBus.Broker.Errors;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Consumption;

/// <summary>
/// Renewal of deliveries received with auto-renew (push consumers): while the client lives and has not settled a
/// delivery, its invisibility is extended before it ends. The engine issues a new receipt handle on each extension,
/// so the client keeps the handle it received and the renewer translates it on ack, change-invisible-duration and
/// dead-lettering. The engine holds one (<see cref="BrokerEngine.Renewals"/>) with the hosting server's settings, runs
/// <see cref="RenewDue"/> on its timer and forgets a client's deliveries when the client terminates or expires.
/// </summary>
internal sealed class ReceiptRenewer
{
    private readonly ConcurrentDictionary<string, RenewalEntry> _entries = new(StringComparer.Ordinal);
    private readonly ReceiptRenewal _options;
    private readonly Func<string, bool> _isClientAlive;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates an empty renewer.</summary>
    /// <param name="options">Renewal timings and bound.</param>
    /// <param name="isClientAlive">Whether a client id still belongs to a live client.</param>
    /// <param name="time">Clock.</param>
    /// <param name="logger">Logger.</param>
    public ReceiptRenewer(ReceiptRenewal options, Func<string, bool> isClientAlive, TimeProvider time, ILogger logger)
    {
        _options = options;
        _isClientAlive = isClientAlive;
        _time = time;
        _logger = logger;
    }

    /// <summary>Deliveries being renewed now.</summary>
    public int Count => _entries.Count;

    /// <summary>Starts renewing a delivery the client received with auto-renew.</summary>
    /// <param name="clientId">The receiving client.</param>
    /// <param name="group">Its consumer group.</param>
    /// <param name="receiptHandle">The handle the client received.</param>
    /// <param name="invisibleUntil">When the delivery's invisibility ends.</param>
    public void Track(string clientId, string group, string receiptHandle, DateTimeOffset invisibleUntil)
    {
        if (_entries.Count >= _options.MaxEntries)
        {
            return;
        }

        var deadline = _time.GetUtcNow() + _options.MaxDuration;
        // A replayed attempt tracks the same handle again: keep the entry, which may hold a renewed handle.
        _entries.TryAdd(receiptHandle, new RenewalEntry(clientId, group, receiptHandle, invisibleUntil, deadline));
    }

    /// <summary>
    /// Settles a delivery (ack, nack, dead letter) with the engine's current handle for the handle the client holds,
    /// and stops renewing it. Renewal of the same delivery waits, so the handle cannot change under the call.
    /// </summary>
    /// <typeparam name="T">What the settlement returns.</typeparam>
    /// <param name="receiptHandle">The handle the client sent.</param>
    /// <param name="settle">The engine call, given the current handle.</param>
    /// <returns>What <paramref name="settle"/> returned.</returns>
    public T Settle<T>(string receiptHandle, Func<string, T> settle)
    {
        ArgumentNullException.ThrowIfNull(settle);
        if (!_entries.TryGetValue(receiptHandle, out var entry))
        {
            return settle(receiptHandle);
        }

        lock (entry)
        {
            try
            {
                return settle(entry.CurrentHandle);
            }
            finally
            {
                entry.Settled = true;
                _entries.TryRemove(receiptHandle, out _);
            }
        }
    }

    /// <summary>
    /// Stops renewing deliveries whose receive stream broke after they were written: the client may never have got
    /// them (they were in flight on a connection that died), so they become visible again when their current
    /// invisible time ends and are redelivered with attempt + 1 unless the client settles them first. Their handles
    /// still translate until then, so a client that did get them can still ack.
    /// </summary>
    /// <param name="receiptHandles">The handles the stream delivered.</param>
    public void Abandon(IEnumerable<string> receiptHandles)
    {
        ArgumentNullException.ThrowIfNull(receiptHandles);
        foreach (string handle in receiptHandles)
        {
            if (_entries.TryGetValue(handle, out var entry))
            {
                lock (entry)
                {
                    entry.Abandoned = true;
                }
            }
        }
    }

    /// <summary>Stops renewing every delivery of a client that went away; they become visible when their time ends.</summary>
    /// <param name="clientId">The client id.</param>
    public void ForgetClient(string clientId)
    {
        foreach (var (handle, entry) in _entries)
        {
            if (string.Equals(entry.ClientId, clientId, StringComparison.Ordinal))
            {
                _entries.TryRemove(handle, out _);
            }
        }
    }

    /// <summary>Extends every tracked delivery whose invisibility ends within the renew-ahead window.</summary>
    /// <param name="engine">The engine.</param>
    /// <returns>How many deliveries were renewed.</returns>
    public int RenewDue(BrokerEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var now = _time.GetUtcNow();
        int renewed = 0, dropped = 0;
        foreach (var (handle, entry) in _entries)
        {
            if (entry.InvisibleUntil - now > _options.Ahead)
            {
                continue;
            }

            if (now >= entry.Deadline || !_isClientAlive(entry.ClientId) || IsAbandoned(entry, now))
            {
                _entries.TryRemove(handle, out _);
                dropped++;
                continue;
            }

            try
            {
                lock (entry)
                {
                    if (entry.Settled || entry.Abandoned)
                    {
                        continue;
                    }

                    entry.CurrentHandle = engine.ChangeInvisibleDuration(entry.Group, entry.CurrentHandle, _options.InvisibleDuration);
                    entry.InvisibleUntil = now + _options.InvisibleDuration;
                }

                renewed++;
            }
            catch (BrokerException)
            {
                // Settled or redelivered meanwhile: nothing left to renew.
                _entries.TryRemove(handle, out _);
                dropped++;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                EngineLog.RenewFailed(_logger, ex, entry.Group);
            }
        }

        if (renewed + dropped > 0)
        {
            EngineLog.Renewed(_logger, renewed, dropped);
        }

        return renewed;
    }

    /// <summary>An abandoned delivery is kept for handle translation until its invisible time ends, then dropped.</summary>
    private static bool IsAbandoned(RenewalEntry entry, DateTimeOffset now)
    {
        lock (entry)
        {
            return entry.Abandoned && now >= entry.InvisibleUntil;
        }
    }

    private sealed class RenewalEntry(string clientId, string group, string handle, DateTimeOffset invisibleUntil, DateTimeOffset deadline)
    {
        public string ClientId { get; } = clientId;

        public string Group { get; } = group;

        public DateTimeOffset Deadline { get; } = deadline;

        // Guarded by locking the entry.
        public string CurrentHandle { get; set; } = handle;

        public bool Settled { get; set; }

        public bool Abandoned { get; set; }

        public DateTimeOffset InvisibleUntil { get; set; } = invisibleUntil;
    }
}
