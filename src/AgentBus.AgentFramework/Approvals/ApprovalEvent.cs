using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentBus.AgentFramework;

/// <summary>
/// What a hosted agent posts to a run's bus session about tool approvals: the requests a run raised (the model
/// wants to call a tool that needs a human's yes) and the ones a run answered. Durable like every session message,
/// so a gateway that restarted rebuilds the pending list from the session alone.
/// </summary>
internal sealed record ApprovalEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("agent")] string Agent,
    [property: JsonPropertyName("request")] string? RequestId,
    [property: JsonPropertyName("requested")] JsonElement? Requested,
    [property: JsonPropertyName("answered")] IReadOnlyList<string>? Answered)
{
    /// <summary>The <see cref="Type"/> that marks the event among other session messages.</summary>
    public const string EventType = "agentbus.tool-approvals";
}
