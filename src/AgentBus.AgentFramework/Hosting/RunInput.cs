using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework;

/// <summary>
/// The messages of a run as the host received them: from a <see cref="BusAIAgent"/> (a <see cref="RunRequest"/>),
/// or a plain text from any bus caller (<c>RequestAsync&lt;string, string&gt;</c>, a tool, another language),
/// which is answered in plain text too.
/// </summary>
internal sealed record RunInput(IReadOnlyList<ChatMessage> Messages, bool IsPlainText)
{
    public static RunInput Read(AgentContext context)
    {
        var body = context.GetBody<JsonElement>();
        switch (body.ValueKind)
        {
            case JsonValueKind.String:
                return new RunInput([new ChatMessage(ChatRole.User, body.GetString())], IsPlainText: true);
            case JsonValueKind.Object when body.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array:
                return new RunInput(WireFormat.FromJson<List<ChatMessage>>(messages, $"The messages of {context.Envelope}"), IsPlainText: false);
            default:
                throw new InvalidAgentMessageException(
                    $"The body of {context.Envelope} is neither a text nor a run ({{\"messages\": [...]}}); it is a JSON {body.ValueKind}.");
        }
    }
}
