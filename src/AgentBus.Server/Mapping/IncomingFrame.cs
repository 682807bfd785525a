using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using AgentBus.Protocol.Messages;
using AgentBus.Protocol.Stream;
using AgentBus.Protocol.Wire;
using AgentBus.Server.Errors;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Grpc.Core;

namespace AgentBus.Server.Mapping;

/// <summary>
/// One <c>agentbus.v1.ClientFrame</c> as the broker reads it. A send is decoded from the wire straight into the
/// records it stores — the properties as the commit log's UTF-8 block (<see cref="StoredProperties"/>), the body and
/// that block in one array, the names the sends repeat (topic, lite topic, born host) shared — instead of building
/// the Google.Protobuf graph (request, message, system properties, map field, strings per property, timestamps) only
/// to copy it into a record. Whatever that path does not take exactly as <see cref="MessageMapper.ToRecord"/> would —
/// acks and other commands, a GZIP body, a transactional message, a field that occurs twice and would merge, a value
/// that is not valid UTF-8 (which Google.Protobuf replaces), a repeated property key (whose last value wins), a timestamp
/// out of range, anything malformed — is parsed by Google.Protobuf into <see cref="Generated"/> and handled as before.
/// </summary>
internal sealed class IncomingFrame
{
    private const int Varint = WireReader.Varint, LengthDelimited = WireReader.LengthDelimited;

    /// <summary>At most this many properties per message are taken on the decoded path (more go through Google.Protobuf).</summary>
    internal const int MaxDecodedProperties = 32;

    private static readonly Marshaller<ClientFrame> GeneratedMarshaller = MalformedRequests.Lenient(
        new Marshaller<ClientFrame>(
            static (frame, context) => context.Complete(frame.ToByteArray()),
            static context => ClientFrame.Parser.ParseFrom(context.PayloadAsReadOnlySequence())),
        placeholder: true);

    private IncomingFrame(ulong id, MessageRecord[]? send, ClientFrame? generated, IncomingAck? ack = null)
    {
        Id = id;
        Send = send;
        Generated = generated;
        Ack = ack;
    }

    /// <summary>Reads frames (grpc-dotnet never writes them on the server).</summary>
    public static Marshaller<IncomingFrame> Marshaller { get; } = new(
        static (_, _) => throw new NotSupportedException("Client frames are only read."),
        static context => WireReader.Decode(context, TryDecode) ?? new IncomingFrame(0, null, GeneratedMarshaller.ContextualDeserializer(context)));

    /// <summary>The frame's id.</summary>
    public ulong Id { get; }

    /// <summary>The records of a send command decoded on the fast path, else null.</summary>
    public MessageRecord[]? Send { get; }

    /// <summary>The frame as Google.Protobuf parsed it (every command but a decoded send or ack), else null.</summary>
    public ClientFrame? Generated { get; }

    /// <summary>An ack command decoded on the fast path, else null.</summary>
    public IncomingAck? Ack { get; }

    /// <summary>
    /// Hands the pooled arrays behind <see cref="Send"/>'s records back, once the send completed (stored or refused):
    /// the records must not be used after.
    /// </summary>
    public void ReturnStorage()
    {
        if (Send is not { } records)
        {
            return;
        }

        foreach (var record in records)
        {
            if (MemoryMarshal.TryGetArray(record.Body, out var segment) && segment.Array is { Length: > 0 } array)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }

    /// <summary>Wraps a frame Google.Protobuf parsed.</summary>
    public static IncomingFrame Of(ClientFrame frame) => new(frame.Id, null, frame);

    /// <summary>The frame decoded as a send, or null when Google.Protobuf is to parse it.</summary>
    public static IncomingFrame? TryDecode(ReadOnlySpan<byte> data)
    {
        try
        {
            return TryDecodeFrame(data);
        }
        catch (InvalidDataException)
        {
            return null; // malformed: Google.Protobuf's parser says why
        }
    }

    private static IncomingFrame? TryDecodeFrame(ReadOnlySpan<byte> data)
    {
        ulong id = 0;
        MessageRecord[]? send = null;
        IncomingAck? ack = null;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag >> 3)
            {
                case 1 when (tag & 7) == Varint:
                    id = reader.ReadVarint();
                    break;
                case 2 when (tag & 7) == LengthDelimited && send is null && ack is null:
                    send = DecodeSend(reader.ReadBytes());
                    if (send is null)
                    {
                        return null;
                    }

                    break;
                case 3 when (tag & 7) == LengthDelimited && send is null && ack is null:
                    ack = IncomingAck.TryDecode(reader.ReadBytes());
                    if (ack is null)
                    {
                        return null;
                    }

                    break;
                case 1 or 2 or 3 or 4:
                    return null; // another command, a command that merges, or a known field of another wire type
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        return send is not null ? new IncomingFrame(id, send, null) : ack is not null ? new IncomingFrame(id, null, null, ack) : null;
    }

    private static MessageRecord[]? DecodeSend(ReadOnlySpan<byte> data)
    {
        // SendMessageRequest: repeated Message messages = 1. Almost every send carries one message.
        MessageRecord? first = null;
        List<MessageRecord>? more = null;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            if (tag >> 3 != 1)
            {
                reader.Skip(tag);
                continue;
            }

            if ((tag & 7) != LengthDelimited || DecodeMessage(reader.ReadBytes()) is not { } record)
            {
                return null;
            }

            if (first is null)
            {
                first = record;
            }
            else
            {
                (more ??= [first]).Add(record);
            }
        }

        return more is not null ? [.. more] : first is not null ? [first] : [];
    }

    /// <summary>A property's key and value as offsets into the message's bytes.</summary>
    private record struct PropertySpan(int KeyStart, int KeyLength, int ValueStart, int ValueLength);

    private static MessageRecord? DecodeMessage(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> topic = default, system = default, body = default;
        bool sawTopic = false, sawSystem = false;
        Span<PropertySpan> properties = stackalloc PropertySpan[MaxDecodedProperties];
        int propertyCount = 0, blockLength = 0;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            uint field = tag >> 3;
            if (field is < 1 or > 4)
            {
                reader.Skip(tag);
                continue;
            }

            if ((tag & 7) != LengthDelimited)
            {
                return null;
            }

            var value = reader.ReadBytes();
            switch (field)
            {
                case 1 when !sawTopic:
                    topic = NameOf(value, out bool valid);
                    if (!valid)
                    {
                        return null;
                    }

                    sawTopic = true;
                    break;
                case 2:
                    if (propertyCount == MaxDecodedProperties || !TryReadProperty(value, data, out var property))
                    {
                        return null;
                    }

                    for (int i = 0; i < propertyCount; i++)
                    {
                        if (data.Slice(properties[i].KeyStart, properties[i].KeyLength).SequenceEqual(data.Slice(property.KeyStart, property.KeyLength)))
                        {
                            return null; // a repeated key: the map keeps its last value
                        }
                    }

                    properties[propertyCount++] = property;
                    blockLength += sizeof(ushort) + property.KeyLength + sizeof(int) + property.ValueLength;
                    break;
                case 3 when !sawSystem:
                    system = value;
                    sawSystem = true;
                    break;
                case 4:
                    body = value; // a bytes field: the last occurrence wins
                    break;
                default:
                    return null; // a message field that occurs twice merges
            }
        }

        if (!sawSystem || !TryReadSystem(system, out var fields))
        {
            return null; // no system properties is a BAD_REQUEST, which the parsed path words
        }

        // One pooled array holds the property block and the body; the send hands it back once the record is stored
        // (the commit log keeps a copy, nothing keeps the record).
        var storage = blockLength + body.Length == 0 ? [] : ArrayPool<byte>.Shared.Rent(blockLength + body.Length);
        int position = 0;
        for (int i = 0; i < propertyCount; i++)
        {
            var (keyStart, keyLength, valueStart, valueLength) = properties[i];
            BinaryPrimitives.WriteUInt16LittleEndian(storage.AsSpan(position), (ushort)keyLength);
            data.Slice(keyStart, keyLength).CopyTo(storage.AsSpan(position + sizeof(ushort)));
            position += sizeof(ushort) + keyLength;
            BinaryPrimitives.WriteInt32LittleEndian(storage.AsSpan(position), valueLength);
            data.Slice(valueStart, valueLength).CopyTo(storage.AsSpan(position + sizeof(int)));
            position += sizeof(int) + valueLength;
        }

        body.CopyTo(storage.AsSpan(blockLength));
        return new MessageRecord
        {
            Topic = Name(topic),
            LiteTopic = fields.LiteTopic,
            QueueId = fields.QueueId,
            MessageId = fields.MessageId,
            Tag = fields.Tag,
            Keys = fields.Keys,
            MessageGroup = fields.MessageGroup,
            DeliveryTimestamp = fields.DeliveryTimestamp,
            BornTimestamp = fields.BornTimestamp,
            BornHost = fields.BornHost,
            Stored = new StoredProperties(storage.AsMemory(0, blockLength), propertyCount),
            Body = storage.AsMemory(blockLength, body.Length),
        };
    }

    /// <summary>The name of a <c>Resource</c> (field 2; the namespace is not stored); invalid when it would merge or is not UTF-8.</summary>
    internal static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> resource, out bool valid)
    {
        ReadOnlySpan<byte> name = default;
        var reader = new WireReader(resource);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            if (tag >> 3 is 1 or 2 && (tag & 7) != LengthDelimited)
            {
                valid = false;
                return default;
            }

            if (tag >> 3 == 2)
            {
                name = reader.ReadBytes(); // a string field: the last occurrence wins
            }
            else
            {
                reader.Skip(tag);
            }
        }

        valid = Utf8.IsValid(name);
        return name;
    }

    /// <summary>One map entry (key = 1, value = 2; either may be missing, the last occurrence wins) as offsets into <paramref name="message"/>.</summary>
    private static bool TryReadProperty(ReadOnlySpan<byte> entry, ReadOnlySpan<byte> message, out PropertySpan property)
    {
        ReadOnlySpan<byte> key = default, value = default;
        var reader = new WireReader(entry);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag >> 3)
            {
                case 1 when (tag & 7) == LengthDelimited:
                    key = reader.ReadBytes();
                    break;
                case 2 when (tag & 7) == LengthDelimited:
                    value = reader.ReadBytes();
                    break;
                case 1 or 2:
                    property = default;
                    return false;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        property = new PropertySpan(OffsetIn(message, key), key.Length, OffsetIn(message, value), value.Length);
        return key.Length <= RecordLayout.MaxShortString && Utf8.IsValid(key) && Utf8.IsValid(value);
    }

    /// <summary>Where <paramref name="inner"/>, a slice of <paramref name="outer"/>, starts in it.</summary>
    private static int OffsetIn(ReadOnlySpan<byte> outer, ReadOnlySpan<byte> inner) => inner.IsEmpty
        ? 0
        : (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(outer), ref MemoryMarshal.GetReference(inner));

    private readonly record struct SystemFields(string MessageId, string? Tag, string[] Keys, string? MessageGroup, string? LiteTopic,
        string BornHost, long BornTimestamp, long DeliveryTimestamp, int QueueId);

    private static bool TryReadSystem(ReadOnlySpan<byte> data, out SystemFields fields)
    {
        fields = default;
        ReadOnlySpan<byte> messageId = default, bornHost = default, tag = default, group = default, liteTopic = default;
        bool hasTag = false, hasGroup = false, hasLiteTopic = false, hasBorn = false, hasDelivery = false;
        long born = 0, delivery = 0;
        int queueId = 0;
        List<string>? keys = null;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint wire = reader.ReadTag();
            uint field = wire >> 3;
            bool delimited = (wire & 7) == LengthDelimited, varint = (wire & 7) == Varint;
            switch (field)
            {
                case 1 when delimited:
                    tag = reader.ReadBytes();
                    hasTag = true;
                    break;
                case 2 when delimited:
                    var key = reader.ReadBytes();
                    if (!Utf8.IsValid(key))
                    {
                        return false;
                    }

                    (keys ??= []).Add(WireReader.Utf8(key));
                    break;
                case 3 when delimited:
                    messageId = reader.ReadBytes();
                    break;
                case 5 when varint:
                    if (reader.ReadInt32() == (int)Apache.Rocketmq.V2.Encoding.Gzip)
                    {
                        return false;
                    }

                    break;
                case 6 when varint:
                    if (reader.ReadInt32() == (int)MessageType.Transaction)
                    {
                        return false;
                    }

                    break;
                case 7 when delimited && !hasBorn:
                    if (!TryReadTimestamp(reader.ReadBytes(), delivery: false, out born))
                    {
                        return false;
                    }

                    hasBorn = true;
                    break;
                case 8 when delimited:
                    bornHost = reader.ReadBytes();
                    break;
                case 11 when delimited && !hasDelivery:
                    if (!TryReadTimestamp(reader.ReadBytes(), delivery: true, out delivery))
                    {
                        return false;
                    }

                    hasDelivery = true;
                    break;
                case 13 when varint:
                    queueId = reader.ReadInt32();
                    break;
                case 17 when delimited:
                    group = reader.ReadBytes();
                    hasGroup = true;
                    break;
                case 21 when delimited:
                    liteTopic = reader.ReadBytes();
                    hasLiteTopic = true;
                    break;
                case 1 or 2 or 3 or 5 or 6 or 7 or 8 or 11 or 13 or 17 or 21:
                    return false; // a field taken here with another wire type, or a timestamp that would merge
                default:
                    reader.Skip(wire); // fields a stored message does not keep (digest, store fields, receipt, ...)
                    break;
            }
        }

        if (!Utf8.IsValid(messageId) || !Utf8.IsValid(bornHost) || !Utf8.IsValid(tag) || !Utf8.IsValid(group) || !Utf8.IsValid(liteTopic))
        {
            return false;
        }

        fields = new SystemFields(
            WireReader.Utf8(messageId),
            hasTag ? Name(tag) : null,
            keys is null ? [] : [.. keys],
            hasGroup ? WireReader.Utf8(group) : null,
            hasLiteTopic ? Name(liteTopic) : null,
            Name(bornHost),
            born,
            delivery,
            queueId);
        return true;
    }

    /// <summary>A Timestamp in Unix milliseconds, if it is one the record mapping accepts (else the parsed path refuses it).</summary>
    private static bool TryReadTimestamp(ReadOnlySpan<byte> data, bool delivery, out long millis)
    {
        long seconds = 0;
        int nanos = 0;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag >> 3)
            {
                case 1 when (tag & 7) == Varint:
                    seconds = reader.ReadInt64();
                    break;
                case 2 when (tag & 7) == Varint:
                    nanos = reader.ReadInt32();
                    break;
                case 1 or 2:
                    millis = 0;
                    return false;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        bool accepted = ProtocolTime.IsValid(seconds, nanos) && (!delivery || seconds >= 0);
        millis = accepted ? ProtocolTime.ToUnixMilliseconds(seconds, nanos) : 0;
        return accepted;
    }

    /// <summary>A name sends repeat (topic, lite topic, born host, tag), shared through the broker's cache of names.</summary>
    internal static string Name(ReadOnlySpan<byte> utf8) => Utf8StringCache.Shared.Get(utf8);
}
