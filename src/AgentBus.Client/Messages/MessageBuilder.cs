using System.Text;
using AgentBus.Client.Errors;

namespace AgentBus.Client.Messages;

/// <summary>
/// Builds a <see cref="Message"/>. A lite topic excludes a message group and a delivery timestamp (a message is lite,
/// FIFO, delay or normal); violations are reported as <see cref="InvalidMessageException"/>.
/// </summary>
public sealed class MessageBuilder
{
    /// <summary>Longest topic, tag, key or group name accepted locally (the broker may be stricter).</summary>
    public const int MaxNameLength = 127;

    private static readonly IReadOnlyDictionary<string, string> NoProperties = new Dictionary<string, string>(0);
    private readonly List<string> _keys = [];
    private Dictionary<string, string>? _properties;
    private string? _topic;
    private ReadOnlyMemory<byte>? _body;
    private string? _tag;
    private string? _messageGroup;
    private string? _liteTopic;
    private DateTimeOffset? _deliveryTimestamp;

    /// <summary>Sets the topic (for a lite message, the parent topic).</summary>
    public MessageBuilder SetTopic(string topic)
    {
        RequireText(topic, nameof(topic));
        _topic = topic;
        return this;
    }

    /// <summary>Sets the lite topic under the parent topic. Excludes a message group and a delivery timestamp.</summary>
    public MessageBuilder SetLiteTopic(string liteTopic)
    {
        if (string.IsNullOrWhiteSpace(liteTopic))
        {
            throw new InvalidMessageException("A lite topic cannot be blank.", nameof(liteTopic));
        }

        _liteTopic = liteTopic;
        return this;
    }

    /// <summary>Sets the tag consumers can filter on; it cannot contain <c>|</c>.</summary>
    public MessageBuilder SetTag(string tag)
    {
        RequireText(tag, nameof(tag));
        if (tag.Contains('|', StringComparison.Ordinal))
        {
            throw new InvalidMessageException("A tag cannot contain '|'.", nameof(tag));
        }

        _tag = tag;
        return this;
    }

    /// <summary>Sets the index keys (replacing earlier ones).</summary>
    public MessageBuilder SetKeys(params string[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys.Clear();
        foreach (string key in keys)
        {
            RequireText(key, nameof(keys));
            _keys.Add(key);
        }

        return this;
    }

    /// <summary>Sets the FIFO message group. Excludes a lite topic and a delivery timestamp.</summary>
    public MessageBuilder SetMessageGroup(string messageGroup)
    {
        RequireText(messageGroup, nameof(messageGroup));
        _messageGroup = messageGroup;
        return this;
    }

    /// <summary>Makes this a delay message deliverable at <paramref name="deliveryTimestamp"/>. Excludes a lite topic and a message group.</summary>
    public MessageBuilder SetDeliveryTimestamp(DateTimeOffset deliveryTimestamp)
    {
        _deliveryTimestamp = deliveryTimestamp;
        return this;
    }

    /// <summary>Adds (or replaces) a user property.</summary>
    public MessageBuilder AddProperty(string key, string value)
    {
        RequireText(key, nameof(key));
        ArgumentNullException.ThrowIfNull(value);
        (_properties ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = value;
        return this;
    }

    /// <summary>Sets the body (not copied: do not change the bytes until the send completes).</summary>
    public MessageBuilder SetBody(ReadOnlyMemory<byte> body)
    {
        _body = body;
        return this;
    }

    /// <summary>Sets the body to the UTF-8 bytes of <paramref name="text"/>.</summary>
    public MessageBuilder SetBody(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _body = Encoding.UTF8.GetBytes(text);
        return this;
    }

    /// <summary>Checks the combination and builds the message.</summary>
    /// <exception cref="InvalidMessageException">The topic or body is missing, or lite, FIFO and delay settings are combined.</exception>
    public Message Build()
    {
        if (_topic is null)
        {
            throw new InvalidMessageException("A message needs a topic (SetTopic).");
        }

        if (_body is null)
        {
            throw new InvalidMessageException("A message needs a body (SetBody).");
        }

        if (_liteTopic is not null && _messageGroup is not null)
        {
            throw new InvalidMessageException("A lite message cannot have a message group: a lite topic is ordered by itself.");
        }

        if (_liteTopic is not null && _deliveryTimestamp is not null)
        {
            throw new InvalidMessageException("A lite message cannot have a delivery timestamp.");
        }

        if (_messageGroup is not null && _deliveryTimestamp is not null)
        {
            throw new InvalidMessageException("A FIFO message (message group) cannot have a delivery timestamp.");
        }

        IReadOnlyDictionary<string, string> properties = _properties is null ? NoProperties : CopyOf(_properties);
        return new Message(_topic, _body.Value, _tag, _keys.Count == 0 ? [] : [.. _keys], _messageGroup, _liteTopic, _deliveryTimestamp, properties);
    }

    private static PropertyMap CopyOf(Dictionary<string, string> properties)
    {
        var copy = new PropertyMap(properties.Count);
        foreach (var (key, value) in properties)
        {
            copy.Set(key, value);
        }

        return copy;
    }

    private static void RequireText(string value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidMessageException($"{name} cannot be blank.", name);
        }

        if (value.Length > MaxNameLength && name != "value")
        {
            throw new InvalidMessageException($"{name} is longer than {MaxNameLength} characters.", name);
        }
    }
}
