using System.Collections.Concurrent;
using AgentBus.Client.Consuming;
using AgentBus.Client.Messages;

namespace AgentBus.Client.Tests.Infrastructure;

/// <summary>A listener that records what it consumed and lets a test await a count or a condition.</summary>
internal sealed class Collector
{
    private readonly ConcurrentQueue<MessageView> _messages = new();
    private readonly object _gate = new();
    private readonly List<(Func<IReadOnlyCollection<MessageView>, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private readonly Func<MessageView, ConsumeResult> _decide;

    public Collector(Func<MessageView, ConsumeResult>? decide = null)
    {
        _decide = decide ?? (_ => ConsumeResult.Success);
    }

    public IReadOnlyCollection<MessageView> Messages => _messages;

    public MessageListener Listener => (message, _) =>
    {
        var result = _decide(message);
        _messages.Enqueue(message);
        Signal();
        return ValueTask.FromResult(result);
    };

    public Task WaitForCountAsync(int count, TimeSpan? timeout = null) => WaitForAsync(m => m.Count >= count, timeout);

    public async Task WaitForAsync(Func<IReadOnlyCollection<MessageView>, bool> condition, TimeSpan? timeout = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((condition, done));
        }

        Signal();
        try
        {
            await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Condition not met in time; consumed {_messages.Count} messages.");
        }
    }

    private void Signal()
    {
        lock (_gate)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(_messages))
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
