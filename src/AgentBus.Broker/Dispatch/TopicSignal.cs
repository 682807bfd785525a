namespace AgentBus.Broker.Dispatch;

/// <summary>Wakes long polls on a normal topic when a message lands in any of its queues.</summary>
internal sealed class TopicSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _waiter;

    public Task WaitAsync()
    {
        lock (_lock)
        {
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }

    public void Set()
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
