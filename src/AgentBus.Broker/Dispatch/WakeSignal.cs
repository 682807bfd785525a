namespace AgentBus.Broker.Dispatch;

/// <summary>
/// The wait/wake of long polls: <see cref="Pulse"/> ends every <see cref="PollWait"/> enlisted then. Normal topics
/// have one per topic; each client's <see cref="ReadySet"/> one for its lite topics. A waiter reads
/// <see cref="Pulses"/> before it looks for messages and enlists only if no pulse came since, so an arrival between
/// the look and the wait is never missed. Continuations run on the thread pool, never on the pulsing thread.
/// </summary>
internal sealed class WakeSignal
{
    private readonly Lock _lock = new();
    private readonly List<PollWait> _waiting = [];
    private long _pulses;

    /// <summary>How many times it pulsed; read before looking, handed to <see cref="TryEnlist"/>.</summary>
    public long Pulses => Volatile.Read(ref _pulses);

    /// <summary>Waits enlisted now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Enlists <paramref name="wait"/> for the next pulse; false when one came after <paramref name="seenPulses"/>.</summary>
    public bool TryEnlist(PollWait wait, long seenPulses)
    {
        lock (_lock)
        {
            if (_pulses != seenPulses)
            {
                return false;
            }

            _waiting.Add(wait);
            return true;
        }
    }

    /// <summary>Takes out a wait that ended otherwise (timeout, cancellation, shutdown).</summary>
    public void Remove(PollWait wait)
    {
        lock (_lock)
        {
            _waiting.Remove(wait);
        }
    }

    /// <summary>Wakes everyone waiting now; a later wait waits for the next pulse.</summary>
    public void Pulse()
    {
        lock (_lock)
        {
            _pulses++;
            // Completing queues each continuation to the thread pool; nothing runs under this lock.
            foreach (var wait in _waiting)
            {
                wait.TryComplete(PollWaitOutcome.Signaled, fromSignal: true);
            }

            _waiting.Clear();
        }
    }
}
