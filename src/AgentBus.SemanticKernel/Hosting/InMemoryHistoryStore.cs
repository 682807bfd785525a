using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentBus.SemanticKernel.Hosting;

/// <summary>
/// The default history store: each session's history in memory, at most <c>capacity</c> sessions, the least recently
/// used one forgotten first (a session of an agent that runs for months must not grow memory without bound).
/// </summary>
internal sealed class InMemoryHistoryStore(int capacity) : IKernelAgentHistoryStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Agent, string Session), LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recency = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public ValueTask<ChatHistory?> LoadAsync(string agentId, string sessionId, CancellationToken ct)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue((agentId, sessionId), out var node))
            {
                return ValueTask.FromResult<ChatHistory?>(null);
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            return ValueTask.FromResult<ChatHistory?>(new ChatHistory(node.Value.History));
        }
    }

    public ValueTask SaveAsync(string agentId, string sessionId, ChatHistory history, CancellationToken ct)
    {
        var key = (agentId, sessionId);
        lock (_lock)
        {
            if (_entries.Remove(key, out var old))
            {
                _recency.Remove(old);
            }

            _entries[key] = _recency.AddFirst(new Entry(key, new ChatHistory(history)));
            while (_entries.Count > capacity && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
            }
        }

        return ValueTask.CompletedTask;
    }

    private sealed record Entry((string Agent, string Session) Key, ChatHistory History);
}
