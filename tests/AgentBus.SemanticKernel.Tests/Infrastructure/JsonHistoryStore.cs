using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentBus.SemanticKernel.Tests.Infrastructure;

/// <summary>A history store that keeps each session as JSON text, as a database would: nothing is shared with the agent but the text.</summary>
internal sealed class JsonHistoryStore : IKernelAgentHistoryStore
{
    public ConcurrentDictionary<string, string> Rows { get; } = new();

    public ValueTask<ChatHistory?> LoadAsync(string agentId, string sessionId, CancellationToken ct) =>
        ValueTask.FromResult(Rows.TryGetValue($"{agentId}/{sessionId}", out string? json) ? JsonSerializer.Deserialize<ChatHistory>(json) : null);

    public ValueTask SaveAsync(string agentId, string sessionId, ChatHistory history, CancellationToken ct)
    {
        Rows[$"{agentId}/{sessionId}"] = JsonSerializer.Serialize(history);
        return ValueTask.CompletedTask;
    }
}
