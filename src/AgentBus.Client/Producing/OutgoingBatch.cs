using AgentBus.Client.Messages;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Message = AgentBus.Client.Messages.Message;

namespace AgentBus.Client.Producing;

/// <summary>
/// The <c>SendMessageRequest</c> of one batch, written straight from the messages: the same bytes Google.Protobuf
/// writes for the request built field by field (fields in number order, implicit-presence defaults left out, map
/// entries in the properties' order), without building the <c>Message</c>, <c>SystemProperties</c>, map and
/// timestamp objects of every message first. Write-only: the gRPC marshaller measures it once and writes it once.
/// </summary>
internal sealed class OutgoingBatch : IBufferMessage
{
    private readonly IReadOnlyList<Message> _messages;
    private readonly string[] _ids;
    private readonly string _namespace;
    private readonly string _bornHost;
    private readonly Timestamp _born;
    private readonly MessageType _type;
    private readonly int _queueId;
    private readonly int[] _sizes;
    private int _total = -1;

    public OutgoingBatch(IReadOnlyList<Message> messages, string[] ids, MessageType type, int queueId, string resourceNamespace,
        string bornHost, DateTimeOffset born)
    {
        _messages = messages;
        _ids = ids;
        _type = type;
        _queueId = queueId;
        _namespace = resourceNamespace;
        _bornHost = bornHost;
        _born = Timestamp.FromDateTimeOffset(born);
        // Per message: its size, its topic resource's size, its system properties' size.
        _sizes = new int[messages.Count * 3];
    }

    MessageDescriptor IMessage.Descriptor => SendMessageRequest.Descriptor;

    public int CalculateSize()
    {
        if (_total >= 0)
        {
            return _total;
        }

        int total = 0;
        for (int i = 0; i < _messages.Count; i++)
        {
            int size = MessageSize(i);
            total += 1 + CodedOutputStream.ComputeLengthSize(size) + size;
        }

        return _total = total;
    }

    public void WriteTo(CodedOutputStream output) => output.WriteRawMessage(this);

    public void InternalWriteTo(ref WriteContext output)
    {
        CalculateSize();
        for (int i = 0; i < _messages.Count; i++)
        {
            var message = _messages[i];
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteLength(_sizes[3 * i]);

            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteLength(_sizes[(3 * i) + 1]);
            WriteStringIfAny(ref output, 1, _namespace);
            WriteStringIfAny(ref output, 2, message.Topic);

            if (message.Properties is PropertyMap map)
            {
                foreach (var (key, value) in map.Entries)
                {
                    WriteProperty(ref output, key, value);
                }
            }
            else
            {
                foreach (var (key, value) in message.Properties)
                {
                    WriteProperty(ref output, key, value);
                }
            }

            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteLength(_sizes[(3 * i) + 2]);
            WriteSystemProperties(ref output, message, _ids[i]);

            if (!message.Body.IsEmpty)
            {
                output.WriteTag(4, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(UnsafeByteOperations.UnsafeWrap(message.Body));
            }
        }
    }

    void IMessage.MergeFrom(CodedInputStream input) => throw new NotSupportedException("An outgoing batch is only written.");

    void IBufferMessage.InternalMergeFrom(ref ParseContext ctx) => throw new NotSupportedException("An outgoing batch is only written.");

    private void WriteSystemProperties(ref WriteContext output, Message message, string id)
    {
        if (message.Tag is { } tag)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(tag);
        }

        foreach (string key in message.Keys)
        {
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString(key);
        }

        WriteStringIfAny(ref output, 3, id);
        output.WriteTag(5, WireFormat.WireType.Varint);
        output.WriteEnum((int)Encoding.Identity);
        if (_type != MessageType.Unspecified)
        {
            output.WriteTag(6, WireFormat.WireType.Varint);
            output.WriteEnum((int)_type);
        }

        WriteTimestamp(ref output, 7, _born.Seconds, _born.Nanos);
        WriteStringIfAny(ref output, 8, _bornHost);
        if (message.DeliveryTimestamp is { } delivery)
        {
            var (seconds, nanos) = SecondsAndNanos(delivery);
            WriteTimestamp(ref output, 11, seconds, nanos);
        }

        if (_queueId != 0)
        {
            output.WriteTag(13, WireFormat.WireType.Varint);
            output.WriteInt32(_queueId);
        }

        if (message.MessageGroup is { } group)
        {
            output.WriteTag(17, WireFormat.WireType.LengthDelimited);
            output.WriteString(group);
        }

        if (message.LiteTopic is { } liteTopic)
        {
            output.WriteTag(21, WireFormat.WireType.LengthDelimited);
            output.WriteString(liteTopic);
        }
    }

    private int MessageSize(int index)
    {
        var message = _messages[index];
        int topic = StringIfAnySize(1, _namespace) + StringIfAnySize(1, message.Topic);
        int size = LengthField(topic);
        if (message.Properties is PropertyMap map)
        {
            foreach (var (key, value) in map.Entries)
            {
                size += LengthField(PropertySize(key, value));
            }
        }
        else
        {
            foreach (var (key, value) in message.Properties)
            {
                size += LengthField(PropertySize(key, value));
            }
        }

        int system = SystemSize(message, _ids[index]);
        size += LengthField(system);
        if (!message.Body.IsEmpty)
        {
            size += LengthField(message.Body.Length);
        }

        _sizes[3 * index] = size;
        _sizes[(3 * index) + 1] = topic;
        _sizes[(3 * index) + 2] = system;
        return size;
    }

    private int SystemSize(Message message, string id)
    {
        int size = 0;
        if (message.Tag is { } tag)
        {
            size += 1 + CodedOutputStream.ComputeStringSize(tag);
        }

        foreach (string key in message.Keys)
        {
            size += 1 + CodedOutputStream.ComputeStringSize(key);
        }

        size += StringIfAnySize(1, id);
        size += 1 + CodedOutputStream.ComputeEnumSize((int)Encoding.Identity);
        if (_type != MessageType.Unspecified)
        {
            size += 1 + CodedOutputStream.ComputeEnumSize((int)_type);
        }

        size += LengthField(TimestampSize(_born.Seconds, _born.Nanos));
        size += StringIfAnySize(1, _bornHost);
        if (message.DeliveryTimestamp is { } delivery)
        {
            var (seconds, nanos) = SecondsAndNanos(delivery);
            size += LengthField(TimestampSize(seconds, nanos));
        }

        if (_queueId != 0)
        {
            size += 1 + CodedOutputStream.ComputeInt32Size(_queueId);
        }

        if (message.MessageGroup is { } group)
        {
            size += 2 + CodedOutputStream.ComputeStringSize(group);
        }

        if (message.LiteTopic is { } liteTopic)
        {
            size += 2 + CodedOutputStream.ComputeStringSize(liteTopic);
        }

        return size;
    }

    private static void WriteProperty(ref WriteContext output, string key, string value)
    {
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteLength(PropertySize(key, value));
        WriteStringIfAny(ref output, 1, key);
        WriteStringIfAny(ref output, 2, value);
    }

    private static void WriteStringIfAny(ref WriteContext output, int field, string value)
    {
        if (value.Length > 0)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }

    private static void WriteTimestamp(ref WriteContext output, int field, long seconds, int nanos)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteLength(TimestampSize(seconds, nanos));
        if (seconds != 0)
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteInt64(seconds);
        }

        if (nanos != 0)
        {
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteInt32(nanos);
        }
    }

    /// <summary>As <see cref="Timestamp.FromDateTimeOffset"/> computes them.</summary>
    private static (long Seconds, int Nanos) SecondsAndNanos(DateTimeOffset time)
    {
        var timestamp = Timestamp.FromDateTimeOffset(time);
        return (timestamp.Seconds, timestamp.Nanos);
    }

    private static int TimestampSize(long seconds, int nanos) =>
        (seconds != 0 ? 1 + CodedOutputStream.ComputeInt64Size(seconds) : 0) + (nanos != 0 ? 1 + CodedOutputStream.ComputeInt32Size(nanos) : 0);

    private static int PropertySize(string key, string value) => StringIfAnySize(1, key) + StringIfAnySize(1, value);

    /// <summary>A string field of a one-byte tag, left out when empty.</summary>
    private static int StringIfAnySize(int tagSize, string value) => value.Length > 0 ? tagSize + CodedOutputStream.ComputeStringSize(value) : 0;

    /// <summary>A length-delimited field of a one-byte tag.</summary>
    private static int LengthField(int length) => 1 + CodedOutputStream.ComputeLengthSize(length) + length;
}
