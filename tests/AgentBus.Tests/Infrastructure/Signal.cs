namespace AgentBus.Tests.Infrastructure;

/// <summary>Counts events and lets a test await a count, bounded by a timeout (no sleeping).</summary>
internal sealed class Signal
{
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Set()
    {
        lock (_lock)
        {
            _count++;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_count >= _waiters[i].Count)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public Task WaitAsync(int count = 1, TimeSpan? timeout = null)
    {
        lock (_lock)
        {
            if (_count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
        }
    }
}
