using System.Text.Json;

namespace AgentBus.Serialization;

/// <summary>Writes and reads message bodies as JSON with the bus's serializer options.</summary>
internal sealed class PayloadSerializer(JsonSerializerOptions options)
{
    public const string ContentType = "application/json";

    public JsonSerializerOptions Options { get; } = options;

    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public T Deserialize<T>(ReadOnlyMemory<byte> body, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, Options)!;
        }
        catch (JsonException ex)
        {
            throw new InvalidAgentMessageException($"The body of {what} is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new InvalidAgentMessageException($"The body of {what} cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
