namespace AgentBus.Broker.Dispatch;

/// <summary>
/// The wait/wake of long polls: <see cref="WaitAsync"/> returns a task that completes at the next
/// <see cref="Pulse"/>, which wakes everyone waiting then. Normal topics have one per topic; each client's
/// <see cref="ReadySet"/> one for its lite topics. Continuations run asynchronously, never on the pulsing thread.
/// </summary>
internal sealed class WakeSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _waiter;

    /// <summary>A task for the next pulse (one task shared by everyone who waits for the same pulse).</summary>
    public Task WaitAsync()
    {
        lock (_lock)
        {
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }

    /// <summary>Wakes everyone waiting now; a later wait waits for the next pulse.</summary>
    public void Pulse()
    {
        TaskCompletionSource? wake;
        lock (_lock)
        {
            wake = _waiter;
            _waiter = null;
        }

        wake?.TrySetResult();
    }
}
