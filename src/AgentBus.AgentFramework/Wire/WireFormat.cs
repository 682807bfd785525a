using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework;

/// <summary>
/// What a run looks like on the bus. The bus's serializer writes the envelope records below; the Agent Framework
/// types inside them (messages, updates, responses, sessions) are written with the framework's own options, which
/// know every AIContent kind (function calls, approval requests...), so they arrive as they left.
/// </summary>
internal static class WireFormat
{
    public static JsonSerializerOptions Options => AgentAbstractionsJsonUtilities.DefaultOptions;

    public static JsonElement ToJson<T>(T value) => JsonSerializer.SerializeToElement(value, Options);

    public static T FromJson<T>(JsonElement json, string what)
    {
        try
        {
            return json.Deserialize<T>(Options) ?? throw new InvalidAgentMessageException($"{what} is null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidAgentMessageException($"{what} is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}

/// <summary>The body of a run asked by a <see cref="BusAIAgent"/>: the new messages of the turn.</summary>
internal sealed record RunRequest([property: JsonPropertyName("messages")] JsonElement Messages)
{
    public static RunRequest Of(IEnumerable<ChatMessage> messages) => new(WireFormat.ToJson(messages.ToList()));
}

/// <summary>
/// One chunk of a streamed run: an <see cref="AgentResponseUpdate"/>. The last chunk of a run is marked
/// <see cref="Final"/> (it may carry no contents): the caller then knows the run is complete, and the host has
/// saved the session before writing it.
/// </summary>
internal sealed record RunChunk([property: JsonPropertyName("update")] JsonElement Update, [property: JsonPropertyName("final")] bool Final = false);
