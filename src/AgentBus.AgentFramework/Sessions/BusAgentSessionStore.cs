using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Agents.AI;

namespace AgentBus.AgentFramework;

using AgentSession = Microsoft.Agents.AI.AgentSession;

/// <summary>
/// Keeps hosted agents' sessions on the bus itself: each save posts the serialised session as a message to a bus
/// session of its own (<see cref="StateSessionId"/>, e.g. <c>conv-42/state/agent=writer</c>), and a load reads the
/// latest one back without taking ownership of it (<c>Agent.ReadSessionHistoryAsync</c>). Durable like any bus
/// message, shared by every replica and restart, nothing else to run; the history of saves is kept until the
/// session's lite topic expires. Needs the AgentBus broker (Apache RocketMQ has no history read): plug another
/// <see cref="AgentSessionStore"/> there.
/// </summary>
public sealed class BusAgentSessionStore : AgentSessionStore
{
    private readonly Func<Task<Agent>> _bus;

    /// <summary>Creates a store that reads and writes through <paramref name="agent"/> (any agent on the bus, a send-only one will do).</summary>
    /// <param name="agent">The bus agent to write as.</param>
    public BusAgentSessionStore(Agent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        _bus = () => Task.FromResult(agent);
    }

    internal BusAgentSessionStore(Func<Task<Agent>> agent)
    {
        _bus = agent;
    }

    /// <summary>The bus session that holds the saved states of <paramref name="key"/>: its session id, <c>/state</c>, then each partition as <c>/name=value</c> in name order.</summary>
    /// <param name="key">The store key.</param>
    /// <returns>The bus session id.</returns>
    public static string StateSessionId(AgentSessionStoreKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var id = new StringBuilder(key.SessionId).Append("/state");
        foreach (var partition in (key.Partitions ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            id.Append('/').Append(partition.Key).Append('=').Append(partition.Value);
        }

        return id.ToString();
    }

    /// <inheritdoc />
    public override async ValueTask SaveSessionAsync(AIAgent agent, AgentSessionStoreKey key, AgentSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(session);
        var state = await agent.SerializeSessionAsync(session, cancellationToken: cancellationToken).ConfigureAwait(false);
        var bus = await _bus().ConfigureAwait(false);
        await bus.SendToSessionAsync(StateSessionId(key), new SavedSession(state), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async ValueTask<AgentSession?> GetSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var bus = await _bus().ConfigureAwait(false);
        var latest = await SessionHistoryReads.ReadLatestAsync(bus, StateSessionId(key), cancellationToken).ConfigureAwait(false);
        if (latest?.GetBody<SavedSession>() is not { Session: { } state })
        {
            return null;
        }

        return await agent.DeserializeSessionAsync(state, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async ValueTask DeleteSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        var bus = await _bus().ConfigureAwait(false);
        // A save of nothing: the latest state is then "none", and the next run starts a new session.
        await bus.SendToSessionAsync(StateSessionId(key), new SavedSession(null), cancellationToken).ConfigureAwait(false);
    }

    private sealed record SavedSession([property: JsonPropertyName("session")] JsonElement? Session);
}
