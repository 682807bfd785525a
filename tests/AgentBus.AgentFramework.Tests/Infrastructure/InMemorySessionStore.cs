using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Agents.AI;

namespace AgentBus.AgentFramework.Tests.Infrastructure;

using AgentSession = Microsoft.Agents.AI.AgentSession;

/// <summary>A store an application could plug in (a database, say), keeping serialised sessions; shared by the "processes" of a test.</summary>
internal sealed class InMemorySessionStore : AgentSessionStore
{
    public ConcurrentDictionary<AgentSessionStoreKey, JsonElement> Saved { get; } = new();

    public override async ValueTask SaveSessionAsync(AIAgent agent, AgentSessionStoreKey key, AgentSession session, CancellationToken cancellationToken = default) =>
        Saved[key] = await agent.SerializeSessionAsync(session, cancellationToken: cancellationToken);

    public override async ValueTask<AgentSession?> GetSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default) =>
        Saved.TryGetValue(key, out var state) ? await agent.DeserializeSessionAsync(state, cancellationToken: cancellationToken) : null;

    public override ValueTask DeleteSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        Saved.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }
}
