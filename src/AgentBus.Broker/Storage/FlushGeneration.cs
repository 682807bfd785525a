namespace AgentBus.Broker.Storage;

/// <summary>
/// All waiters that one fsync will serve. They await the same task, so a waiter costs no allocation of its own; a
/// generation is allocated only when the previous one had waiters. Once flushed, the generation is completed by a
/// single thread-pool work item (this object), on which the waiters' continuations run one after the other. That
/// keeps user code off the flusher thread without queueing a work item per waiter.
/// </summary>
internal sealed class FlushGeneration : IThreadPoolWorkItem
{
    // Continuations run inline on the thread that completes the task: the release work item below.
    private readonly TaskCompletionSource _completion = new();
    private Action? _released;
    private Exception? _failure;

    /// <summary>Someone awaits this generation (guarded by the flusher's gate).</summary>
    public bool HasWaiters { get; set; }

    /// <summary>Someone wants this flush now rather than at the next periodic flush (guarded by the flusher's gate).</summary>
    public bool Urgent { get; set; }

    public Task Task => _completion.Task;

    /// <summary>Queues the completion (or failure) of the waiters; <paramref name="released"/> runs once their continuations have run.</summary>
    public void Release(Exception? failure, Action released)
    {
        _failure = failure;
        _released = released;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            if (_failure is null)
            {
                _completion.TrySetResult();
            }
            else
            {
                _completion.TrySetException(_failure);
            }
        }
        finally
        {
            _released?.Invoke();
        }
    }
}
