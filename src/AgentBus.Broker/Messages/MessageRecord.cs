using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace AgentBus.Broker.Messages;

/// <summary>
/// One message as it is stored in the commit log: written once, indexed by the queue it belongs to
/// (a queue of a normal topic, or the single queue of a lite topic).
/// </summary>
public sealed class MessageRecord
{
    /// <summary>The (parent) topic the producer sent to.</summary>
    public required string Topic { get; init; }

    /// <summary>The lite topic under <see cref="Topic"/>, or <c>null</c> for a message of a normal, FIFO or delay topic.</summary>
    public string? LiteTopic { get; init; }

    /// <summary>Queue id inside the topic; always 0 for a lite topic, which has exactly one queue.</summary>
    public int QueueId { get; init; }

    /// <summary>Offset of this message inside its queue; assigned by the broker at append time (ignored on input).</summary>
    public long QueueOffset { get; init; }

    /// <summary>Producer-assigned message id (RocketMQ v5 style hex id).</summary>
    public required string MessageId { get; init; }

    /// <summary>Optional tag used for filtering.</summary>
    public string? Tag { get; init; }

    /// <summary>Optional business keys, space-free strings.</summary>
    public IReadOnlyList<string> Keys { get; init; } = [];

    /// <summary>FIFO message group, or <c>null</c>.</summary>
    public string? MessageGroup { get; init; }

    /// <summary>Milliseconds since the Unix epoch at which the message becomes deliverable; 0 when not delayed.</summary>
    public long DeliveryTimestamp { get; init; }

    /// <summary>Milliseconds since the Unix epoch at which the producer created the message.</summary>
    public long BornTimestamp { get; init; }

    /// <summary>Host that produced the message.</summary>
    public string BornHost { get; init; } = "";

    /// <summary>Milliseconds since the Unix epoch at which the broker stored the message; assigned at append time (ignored on input).</summary>
    public long StoreTimestamp { get; init; }

    /// <summary>How many times the message was re-sent after failed deliveries (set on DLQ copies).</summary>
    public int ReconsumeTimes { get; init; }

    /// <summary>User properties.</summary>
    public IReadOnlyDictionary<string, string> Properties
    {
        get => _properties ?? DecodeStored();
        init => _properties = value;
    }

    /// <summary>Message payload.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>
    /// The properties in their stored form, when not empty: for a record read from the commit log, or one the server
    /// decoded from the wire without making strings of them. <see cref="Properties"/> decodes them on first use; the
    /// send path (validation, the extension properties, the record encoder) reads them as they are.
    /// </summary>
    internal StoredProperties Stored { get; init; }

    /// <summary>How many user properties the record has, without decoding stored ones.</summary>
    internal int PropertyCount => Stored.IsEmpty ? Properties.Count : Stored.Count;

    /// <summary>The value of the property named <paramref name="key"/> (ASCII), without decoding the others.</summary>
    internal bool TryGetProperty(string key, [NotNullWhen(true)] out string? value)
    {
        Debug.Assert(Ascii.IsValid(key), "Stored keys are compared as ASCII.");
        if (Stored.IsEmpty)
        {
            return Properties.TryGetValue(key, out value);
        }

        foreach (var (storedKey, storedValue) in Stored)
        {
            if (Ascii.Equals(storedKey, key))
            {
                value = storedValue.IsEmpty ? string.Empty : Encoding.UTF8.GetString(storedValue);
                return true;
            }
        }

        value = null;
        return false;
    }

    private IReadOnlyDictionary<string, string>? _properties;

    private IReadOnlyDictionary<string, string> DecodeStored()
    {
        // Racing readers decode the same entries; either dictionary is kept, both are equal.
        var decoded = Stored.IsEmpty ? EmptyProperties : Stored.Decode();
        Interlocked.CompareExchange(ref _properties, decoded, null);
        return _properties;
    }

    internal static readonly IReadOnlyDictionary<string, string> EmptyProperties = new Dictionary<string, string>();
}
