namespace AgentBus.TestUtilities;

/// <summary>
/// A counting signal a test awaits with a timeout instead of sleeping: a handler or callback calls <see cref="Set"/>
/// (once per event), the test awaits <see cref="WaitAsync"/> for a number of events. Continuations run
/// asynchronously, so the code that sets it never runs the test's continuation inline.
/// </summary>
public sealed class Signal
{
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _count;

    /// <summary>How many times <see cref="Set"/> was called.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether <see cref="Set"/> was called at least once.</summary>
    public bool IsSet => Count > 0;

    /// <summary>Counts one event.</summary>
    public void Set()
    {
        lock (_lock)
        {
            _count++;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_count >= _waiters[i].Count)
                {
                    _waiters[i].Reached.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Waits until <see cref="Set"/> was called <paramref name="count"/> times, failing the test when that does not happen within <paramref name="timeout"/>.</summary>
    /// <param name="count">The events to wait for.</param>
    /// <param name="timeout">How long to wait; <see cref="Eventually.DefaultTimeout"/> when null.</param>
    /// <param name="what">What the test waited for, shown when it times out.</param>
    /// <returns>A task that completes once the count is reached.</returns>
    public Task WaitAsync(int count = 1, TimeSpan? timeout = null, string? what = null)
    {
        Task reached;
        lock (_lock)
        {
            if (_count >= count)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, waiter));
            reached = waiter.Task;
        }

        return Eventually.CompletesAsync(reached, timeout, what ?? $"The signal was set {Count} of {count} times in time.");
    }
}
