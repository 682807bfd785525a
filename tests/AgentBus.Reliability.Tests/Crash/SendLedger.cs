using System.Collections.Concurrent;

namespace AgentBus.Reliability.Tests.Crash;

/// <summary>
/// What the producers of a crash run know about each logical message (an id): how many times it was sent and
/// whether a send was acknowledged. Producers send with one attempt each and retry themselves, so a retried id is
/// known exactly: only such ids (and ids never acknowledged) may be stored twice.
/// </summary>
internal sealed class SendLedger
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<(long Target, TaskCompletionSource Reached)> _waits = [];
    private long _acked;

    public long Acked => Interlocked.Read(ref _acked);

    public IReadOnlyDictionary<string, Entry> Entries => _entries;

    public void Attempted(string id, string topic, string? liteTopic) =>
        _entries.AddOrUpdate(id, static (_, t) => new Entry(t.topic, t.liteTopic, 1, false), static (_, e, _) => e with { Attempts = e.Attempts + 1 }, (topic, liteTopic));

    public void Acknowledged(string id)
    {
        _entries.AddOrUpdate(id, static _ => throw new InvalidOperationException("acknowledged before it was sent"), static (_, e) => e with { Acked = true });
        long acked = Interlocked.Increment(ref _acked);
        lock (_gate)
        {
            for (int i = _waits.Count - 1; i >= 0; i--)
            {
                if (acked >= _waits[i].Target)
                {
                    _waits[i].Reached.TrySetResult();
                    _waits.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Completes once <paramref name="target"/> sends in all were acknowledged.</summary>
    public Task WaitForAckedAsync(long target, TimeSpan timeout)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (Acked >= target)
            {
                return Task.CompletedTask;
            }

            _waits.Add((target, reached));
        }

        return reached.Task.WaitAsync(timeout);
    }

    /// <param name="Topic">The topic it was sent to.</param>
    /// <param name="LiteTopic">Its lite topic, null for a normal message.</param>
    /// <param name="Attempts">Sends of this id (more than one: retried after a failure).</param>
    /// <param name="Acked">Whether one of them was acknowledged.</param>
    internal sealed record Entry(string Topic, string? LiteTopic, int Attempts, bool Acked);
}
