using System.Runtime.InteropServices;
using System.Text.Json;

namespace AgentBus.Serialization;

/// <summary>
/// Writes and reads message bodies: JSON with the bus's serializer options, except raw bytes (<c>byte[]</c>,
/// <c>ReadOnlyMemory&lt;byte&gt;</c>), which travel as they are with content type <c>application/octet-stream</c>
/// (audio, images, a payload serialized by the caller).
/// </summary>
internal sealed class PayloadSerializer(JsonSerializerOptions options)
{
    public const string Json = "application/json";

    public const string Bytes = "application/octet-stream";

    public JsonSerializerOptions Options { get; } = options;

    /// <summary>The body of <paramref name="value"/> and its content type (null: JSON, the default that travels as no property).</summary>
    public Payload Serialize<T>(T value) => value switch
    {
        byte[] bytes => new Payload(bytes, Bytes),
        ReadOnlyMemory<byte> memory => new Payload(memory, Bytes),
        _ => new Payload(JsonSerializer.SerializeToUtf8Bytes(value, Options), null),
    };

    public T Deserialize<T>(ReadOnlyMemory<byte> body, string contentType, string what)
    {
        bool raw = string.Equals(contentType, Bytes, StringComparison.OrdinalIgnoreCase);
        if (raw && typeof(T) == typeof(byte[]))
        {
            // A received body is an array of its own (the decoder copies it out of the response): hand it over as it
            // is instead of copying it once more.
            return (T)(object)(MemoryMarshal.TryGetArray(body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                ? segment.Array
                : body.ToArray());
        }

        if (raw && typeof(T) == typeof(ReadOnlyMemory<byte>))
        {
            return (T)(object)body;
        }

        if (raw)
        {
            throw new InvalidAgentMessageException($"The body of {what} is raw bytes ({Bytes}), not a {typeof(T).Name}.");
        }

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

/// <summary>A serialized body and its content type (null for JSON).</summary>
internal readonly record struct Payload(ReadOnlyMemory<byte> Body, string? ContentType);
