using AgentBus.Client.Transport;
using AgentBus.Protocol.Wire;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Client.Messages;

/// <summary>
/// Decodes a <c>ReceiveMessageResponse</c> from the wire straight into what the consumer uses — a
/// <see cref="MessageView"/>, or the closing <see cref="Status"/> — instead of building the Google.Protobuf graph
/// (message, system properties, map field, timestamps, digest) and copying it into a view: per delivery that graph
/// was about a third of what receiving allocated. Fields the view does not expose (store host and time, invisible
/// duration, message type, trace context) are skipped without being decoded; unknown fields are skipped as protobuf
/// requires. The result for a response the consumer ignores (a delivery timestamp, an empty response) is
/// <see cref="Ignored"/>, never null: grpc-dotnet reads null as the end of the stream.
/// </summary>
internal static class ReceiveResponseDecoder
{
    private const uint StatusTag = (1 << 3) | WireReader.LengthDelimited;
    private const uint MessageTag = (2 << 3) | WireReader.LengthDelimited;
    private const uint DeliveryTimestampTag = (3 << 3) | WireReader.LengthDelimited;

    /// <summary>What a response the consumer does not act on decodes to.</summary>
    public static readonly object Ignored = new();

    /// <summary>Decodes one response from grpc-dotnet's payload.</summary>
    public static object Decode(DeserializationContext context) => WireReader.Decode(context, Decode);

    /// <summary>Decodes one serialized response: a <see cref="MessageView"/>, a <see cref="Status"/> or <see cref="Ignored"/>.</summary>
    public static object Decode(ReadOnlySpan<byte> data)
    {
        // A oneof: the last of its fields on the wire wins, as when Google.Protobuf parses it.
        object result = Ignored;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case StatusTag:
                    result = ReadStatus(reader.ReadBytes(), result as Status);
                    break;
                case MessageTag:
                    // A message field split over several occurrences merges; brokers never do that, and a view is
                    // built from one occurrence (the last), which is what any sane sender produces.
                    result = ReadMessage(reader.ReadBytes());
                    break;
                case DeliveryTimestampTag:
                    reader.ReadBytes();
                    result = Ignored;
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        return result;
    }

    private static Status ReadStatus(ReadOnlySpan<byte> data, Status? merged)
    {
        var status = merged ?? new Status();
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case (1 << 3) | WireReader.Varint:
                    status.Code = (Code)reader.ReadInt32();
                    break;
                case (2 << 3) | WireReader.LengthDelimited:
                    status.Message = reader.ReadString();
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        return status;
    }

    private static MessageView ReadMessage(ReadOnlySpan<byte> data)
    {
        var fields = new DeliveredFields();
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case (1 << 3) | WireReader.LengthDelimited:
                    ReadTopic(reader.ReadBytes(), ref fields);
                    break;
                case (2 << 3) | WireReader.LengthDelimited:
                    ReadProperty(reader.ReadBytes(), ref fields);
                    break;
                case (3 << 3) | WireReader.LengthDelimited:
                    ReadSystemProperties(reader.ReadBytes(), ref fields);
                    break;
                case (4 << 3) | WireReader.LengthDelimited:
                    fields.Body = reader.ReadBytes();
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        return new MessageView(ref fields);
    }

    private static void ReadTopic(ReadOnlySpan<byte> data, ref DeliveredFields fields)
    {
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            if (tag == ((2 << 3) | WireReader.LengthDelimited))
            {
                fields.Topic = NameCache.Get(reader.ReadBytes());
            }
            else
            {
                reader.Skip(tag);
            }
        }
    }

    private static void ReadProperty(ReadOnlySpan<byte> data, ref DeliveredFields fields)
    {
        // A map entry: a missing key or value is the empty string; a repeated key keeps the last value.
        string key = string.Empty, value = string.Empty;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case (1 << 3) | WireReader.LengthDelimited:
                    key = NameCache.Get(reader.ReadBytes());
                    break;
                case (2 << 3) | WireReader.LengthDelimited:
                    value = reader.ReadString();
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        (fields.Properties ??= new PropertyMap(2)).Set(key, value);
    }

    private static void ReadSystemProperties(ReadOnlySpan<byte> data, ref DeliveredFields fields)
    {
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case (1 << 3) | WireReader.LengthDelimited:
                    fields.Tag = NameCache.Get(reader.ReadBytes());
                    break;
                case (2 << 3) | WireReader.LengthDelimited:
                    (fields.Keys ??= []).Add(reader.ReadString());
                    break;
                case (3 << 3) | WireReader.LengthDelimited:
                    fields.MessageId = reader.ReadString();
                    break;
                case (4 << 3) | WireReader.LengthDelimited:
                    ReadDigest(reader.ReadBytes(), ref fields);
                    break;
                case (5 << 3) | WireReader.Varint:
                    fields.BodyEncoding = (Encoding)reader.ReadInt32();
                    break;
                case (7 << 3) | WireReader.LengthDelimited:
                    ReadTime(reader.ReadBytes(), ref fields.BornTimestamp);
                    break;
                case (8 << 3) | WireReader.LengthDelimited:
                    fields.BornHost = NameCache.Get(reader.ReadBytes());
                    break;
                case (11 << 3) | WireReader.LengthDelimited:
                    ReadTime(reader.ReadBytes(), ref fields.DeliveryTimestamp);
                    break;
                case (12 << 3) | WireReader.LengthDelimited:
                    fields.ReceiptHandle = reader.ReadString();
                    break;
                case (13 << 3) | WireReader.Varint:
                    fields.QueueId = reader.ReadInt32();
                    break;
                case (14 << 3) | WireReader.Varint:
                    fields.QueueOffset = reader.ReadInt64();
                    break;
                case (16 << 3) | WireReader.Varint:
                    fields.DeliveryAttempt = reader.ReadInt32();
                    break;
                case (17 << 3) | WireReader.LengthDelimited:
                    fields.MessageGroup = NameCache.Get(reader.ReadBytes());
                    break;
                case (21 << 3) | WireReader.LengthDelimited:
                    fields.LiteTopic = NameCache.Get(reader.ReadBytes());
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }
    }

    private static void ReadDigest(ReadOnlySpan<byte> data, ref DeliveredFields fields)
    {
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case (1 << 3) | WireReader.Varint:
                    fields.DigestType = (DigestType)reader.ReadInt32();
                    break;
                case (2 << 3) | WireReader.LengthDelimited:
                    fields.DigestChecksum = reader.ReadBytes();
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        fields.HasDigest = true;
    }

    private static void ReadTime(ReadOnlySpan<byte> data, ref WireTime time)
    {
        time.Present = true;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case (1 << 3) | WireReader.Varint:
                    time.Seconds = reader.ReadInt64();
                    break;
                case (2 << 3) | WireReader.Varint:
                    time.Nanos = reader.ReadInt32();
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }
    }
}

/// <summary>A Timestamp as it came on the wire, checked only when the view is built.</summary>
internal struct WireTime
{
    public bool Present;
    public long Seconds;
    public int Nanos;
}

/// <summary>The fields of a delivered message the view keeps, as <see cref="ReceiveResponseDecoder"/> read them.</summary>
internal ref struct DeliveredFields
{
    public string Topic = string.Empty;
    public string MessageId = string.Empty;
    public string? Tag;
    public List<string>? Keys;
    public string? MessageGroup;
    public string? LiteTopic;
    public string BornHost = string.Empty;
    public WireTime BornTimestamp;
    public WireTime DeliveryTimestamp;
    public string ReceiptHandle = string.Empty;
    public int QueueId;
    public long QueueOffset;
    public int? DeliveryAttempt;
    public PropertyMap? Properties;
    public bool HasDigest;
    public DigestType DigestType;
    public ReadOnlySpan<byte> DigestChecksum;
    public Encoding BodyEncoding;
    public ReadOnlySpan<byte> Body;

    public DeliveredFields()
    {
    }
}
