namespace AgentBus.Client.Messages;

/// <summary>
/// A message to send, built with <see cref="MessageBuilder"/>. Immutable: one message may be sent more than once (each
/// send gets its own message id).
/// </summary>
public sealed class Message
{
    internal Message(string topic, ReadOnlyMemory<byte> body, string? tag, IReadOnlyList<string> keys, string? messageGroup,
        string? liteTopic, DateTimeOffset? deliveryTimestamp, IReadOnlyDictionary<string, string> properties)
    {
        Topic = topic;
        Body = body;
        Tag = tag;
        Keys = keys;
        MessageGroup = messageGroup;
        LiteTopic = liteTopic;
        DeliveryTimestamp = deliveryTimestamp;
        Properties = properties;
    }

    /// <summary>The topic (for a lite message, the parent topic).</summary>
    public string Topic { get; }

    /// <summary>The body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The tag consumers may filter on, if any.</summary>
    public string? Tag { get; }

    /// <summary>Index keys, possibly empty.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>FIFO message group, if any.</summary>
    public string? MessageGroup { get; }

    /// <summary>The lite topic under <see cref="Topic"/>, if any.</summary>
    public string? LiteTopic { get; }

    /// <summary>When a delay message becomes deliverable, if any.</summary>
    public DateTimeOffset? DeliveryTimestamp { get; }

    /// <summary>User properties.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }
}
