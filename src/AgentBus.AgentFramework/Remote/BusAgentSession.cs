using System.Text.Json;
using Microsoft.Agents.AI;

namespace AgentBus.AgentFramework;

/// <summary>
/// The session of a <see cref="BusAIAgent"/>: a bus session id. The conversation's state (history, pending tool
/// approvals) lives with the hosted agent, keyed by this id, so the session is small, serialises to a few bytes and
/// works from any process: a gateway that restarts deserialises it (or builds it from the id) and goes on.
/// </summary>
public sealed class BusAgentSession : Microsoft.Agents.AI.AgentSession
{
    /// <summary>Creates a session for a conversation id, e.g. one a web app already has; any non-empty string.</summary>
    /// <param name="sessionId">The bus session id (<c>RequestOptions.SessionId</c> of every run in it).</param>
    public BusAgentSession(string sessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        SessionId = sessionId;
    }

    internal BusAgentSession(string sessionId, AgentSessionStateBag stateBag)
        : base(stateBag)
    {
        SessionId = sessionId;
    }

    /// <summary>The bus session id.</summary>
    public string SessionId { get; }

    internal JsonElement Serialize() => JsonSerializer.SerializeToElement(new SerializedBusSession(SessionId, StateBag.Serialize()));

    internal static BusAgentSession Deserialize(JsonElement json)
    {
        SerializedBusSession? state;
        try
        {
            state = json.Deserialize<SerializedBusSession>();
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The serialised session is not a bus agent session: {ex.Message}", nameof(json), ex);
        }

        if (state is not { SessionId: { Length: > 0 } id })
        {
            throw new ArgumentException("The serialised session is not a bus agent session: it has no sessionId.", nameof(json));
        }

        return state.StateBag is { ValueKind: JsonValueKind.Object } bag
            ? new BusAgentSession(id, AgentSessionStateBag.Deserialize(bag))
            : new BusAgentSession(id);
    }

    /// <inheritdoc />
    public override string ToString() => $"bus session {SessionId}";

    private sealed record SerializedBusSession(
        [property: System.Text.Json.Serialization.JsonPropertyName("sessionId")] string SessionId,
        [property: System.Text.Json.Serialization.JsonPropertyName("stateBag")] JsonElement? StateBag);
}
