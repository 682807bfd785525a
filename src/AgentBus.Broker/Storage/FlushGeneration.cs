namespace AgentBus.Broker.Storage;

/// <summary>
/// All waiters that one fsync will serve. They await the same task, so a waiter costs no allocation of its own; a
/// generation is allocated only when the previous one had waiters.
/// </summary>
internal sealed class FlushGeneration
{
    // Continuations run on the thread pool so the flusher thread goes straight back to the next fsync.
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Someone awaits this generation (guarded by the flusher's gate).</summary>
    public bool HasWaiters { get; set; }

    /// <summary>Someone wants this flush now rather than at the next periodic flush (guarded by the flusher's gate).</summary>
    public bool Urgent { get; set; }

    public Task Task => _completion.Task;

    public void Complete() => _completion.TrySetResult();

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
