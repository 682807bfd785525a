using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using AgentBus.Broker.Consumption;
using AgentBus.Broker.Messages;
using AgentBus.Protocol.Messages;

namespace AgentBus.Server.Mapping;

/// <summary>What every delivery of one receive batch shares when it is encoded.</summary>
/// <param name="ResourceNamespace">Namespace echoed in the topic resource.</param>
/// <param name="StoreHost">This broker's endpoint.</param>
/// <param name="Now">The time invisible durations count from.</param>
/// <param name="Crc32Digest">CRC32 instead of MD5 as the body digest.</param>
internal sealed record DeliveryEncoding(string ResourceNamespace, string StoreHost, DateTimeOffset Now, bool Crc32Digest);

/// <summary>
/// Writes the <c>ReceiveMessageResponse</c> of a delivery straight from the stored record, byte for byte what
/// Google.Protobuf writes for <see cref="MessageMapper.ToProto(Delivery, string, string, DateTimeOffset, bool)"/>
/// (fields in number order, defaults of implicit-presence fields left out), without building that object graph —
/// system properties, map field, timestamps, digest, the digest's text — for every message that goes out. The user
/// properties of a record read from the commit log go out as the UTF-8 it stores (<see cref="MessageRecord.Stored"/>),
/// never decoded to strings.
/// </summary>
internal static class DeliveryEncoder
{
    private const int LengthDelimited = 2, Varint = 0;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The sizes of the response and of its nested messages, measured once for <see cref="Write(Delivery, DeliveryEncoding, in EncodedSize, Span{byte})"/>.</summary>
    public readonly record struct EncodedSize(int Total, int Message, int System, int Topic);

    /// <summary>Measures the response.</summary>
    public static EncodedSize Measure(Delivery delivery, DeliveryEncoding encoding)
    {
        int message = MessageSize(delivery, encoding, out int system, out int topic);
        return new EncodedSize(LengthField(2, message), message, system, topic);
    }

    /// <summary>Writes the response; <paramref name="destination"/> holds at least <paramref name="size"/>'s total.</summary>
    /// <returns>The bytes written.</returns>
    public static int Write(Delivery delivery, DeliveryEncoding encoding, in EncodedSize size, Span<byte> destination)
    {
        var record = delivery.Message;
        Span<byte> checksum = stackalloc byte[BodyDigest.MaxHexLength];
        int messageSize = size.Message, systemSize = size.System, topicSize = size.Topic;
        int checksumLength = BodyDigest.WriteHex(record.Body.Span, encoding.Crc32Digest, checksum);
        var writer = new Writer(destination);
        writer.Tag(2, LengthDelimited);
        writer.Varint((uint)messageSize);

        writer.Tag(1, LengthDelimited);
        writer.Varint((uint)topicSize);
        writer.StringIfAny(1, encoding.ResourceNamespace);
        writer.StringIfAny(2, record.Topic);

        if (!record.Stored.IsEmpty)
        {
            foreach (var (key, value) in record.Stored)
            {
                writer.Tag(2, LengthDelimited);
                writer.Varint((uint)(BytesIfAnySize(1, key.Length) + BytesIfAnySize(2, value.Length)));
                writer.BytesIfAny(1, key);
                writer.BytesIfAny(2, value);
            }
        }
        else
        {
            foreach (var (key, value) in record.Properties)
            {
                writer.Tag(2, LengthDelimited);
                writer.Varint((uint)(StringIfAnySize(1, key) + StringIfAnySize(2, value)));
                writer.StringIfAny(1, key);
                writer.StringIfAny(2, value);
            }
        }

        writer.Tag(3, LengthDelimited);
        writer.Varint((uint)systemSize);
        if (record.Tag is { } tag)
        {
            writer.String(1, tag);
        }

        foreach (string key in record.Keys)
        {
            writer.String(2, key);
        }

        writer.StringIfAny(3, record.MessageId);
        writer.Tag(4, LengthDelimited);
        writer.Varint((uint)(2 + LengthField(2, checksumLength)));
        writer.Tag(1, Varint);
        writer.Varint(encoding.Crc32Digest ? 1u : 2u);
        writer.Tag(2, LengthDelimited);
        writer.Varint((uint)checksumLength);
        writer.Raw(checksum[..checksumLength]);
        writer.Tag(5, Varint);
        writer.Varint(1); // IDENTITY
        writer.Tag(6, Varint);
        writer.Varint((uint)MessageMapper.TypeOf(record));
        writer.Time(7, record.BornTimestamp);
        writer.StringIfAny(8, record.BornHost);
        writer.Time(9, record.StoreTimestamp);
        writer.StringIfAny(10, encoding.StoreHost);
        if (record.DeliveryTimestamp > 0)
        {
            writer.Time(11, record.DeliveryTimestamp);
        }

        writer.String(12, delivery.ReceiptHandle);
        if (record.QueueId != 0)
        {
            writer.Tag(13, Varint);
            writer.Varint(unchecked((ulong)(long)record.QueueId));
        }

        writer.Tag(14, Varint);
        writer.Varint(unchecked((ulong)record.QueueOffset));
        var (seconds, nanos) = Invisible(delivery, encoding.Now);
        writer.Tag(15, LengthDelimited);
        writer.Varint((uint)SecondsNanosSize(seconds, nanos));
        writer.SecondsNanos(seconds, nanos);
        writer.Tag(16, Varint);
        writer.Varint(unchecked((ulong)(long)delivery.DeliveryAttempt));
        if (record.MessageGroup is { } group)
        {
            writer.String(17, group);
        }

        if (record.LiteTopic is { } liteTopic)
        {
            writer.String(21, liteTopic);
        }

        if (!record.Body.IsEmpty)
        {
            writer.Tag(4, LengthDelimited);
            writer.Varint((uint)record.Body.Length);
            writer.Raw(record.Body.Span);
        }

        return writer.Position;
    }

    /// <summary>Writes the response into a gRPC buffer writer.</summary>
    public static void Write(Delivery delivery, DeliveryEncoding encoding, in EncodedSize size, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(size.Total);
        int written = Write(delivery, encoding, size, span);
        output.Advance(written);
    }

    private static int MessageSize(Delivery delivery, DeliveryEncoding encoding, out int systemSize, out int topicSize)
    {
        var record = delivery.Message;
        topicSize = StringIfAnySize(1, encoding.ResourceNamespace) + StringIfAnySize(2, record.Topic);
        int size = LengthField(1, topicSize);
        if (!record.Stored.IsEmpty)
        {
            foreach (var (key, value) in record.Stored)
            {
                size += LengthField(2, BytesIfAnySize(1, key.Length) + BytesIfAnySize(2, value.Length));
            }
        }
        else
        {
            foreach (var (key, value) in record.Properties)
            {
                size += LengthField(2, StringIfAnySize(1, key) + StringIfAnySize(2, value));
            }
        }

        systemSize = SystemSize(delivery, encoding);
        size += LengthField(3, systemSize);
        if (!record.Body.IsEmpty)
        {
            size += LengthField(4, record.Body.Length);
        }

        return size;
    }

    private static int SystemSize(Delivery delivery, DeliveryEncoding encoding)
    {
        var record = delivery.Message;
        int size = 0;
        if (record.Tag is { } tag)
        {
            size += StringSize(1, tag);
        }

        foreach (string key in record.Keys)
        {
            size += StringSize(2, key);
        }

        size += StringIfAnySize(3, record.MessageId);
        size += LengthField(4, 2 + LengthField(2, encoding.Crc32Digest ? 8 : 32)); // digest: type + checksum
        size += 2; // body encoding
        size += 1 + VarintSize((uint)MessageMapper.TypeOf(record));
        size += TimeSize(7, record.BornTimestamp);
        size += StringIfAnySize(8, record.BornHost);
        size += TimeSize(9, record.StoreTimestamp);
        size += StringIfAnySize(10, encoding.StoreHost);
        if (record.DeliveryTimestamp > 0)
        {
            size += TimeSize(11, record.DeliveryTimestamp);
        }

        size += StringSize(12, delivery.ReceiptHandle);
        if (record.QueueId != 0)
        {
            size += 1 + VarintSize(unchecked((ulong)(long)record.QueueId));
        }

        size += 1 + VarintSize(unchecked((ulong)record.QueueOffset));
        var (seconds, nanos) = Invisible(delivery, encoding.Now);
        size += LengthField(15, SecondsNanosSize(seconds, nanos));
        size += 2 + VarintSize(unchecked((ulong)(long)delivery.DeliveryAttempt));
        if (record.MessageGroup is { } group)
        {
            size += StringSize(17, group);
        }

        if (record.LiteTopic is { } liteTopic)
        {
            size += StringSize(21, liteTopic);
        }

        return size;
    }

    private static (long Seconds, int Nanos) Invisible(Delivery delivery, DateTimeOffset now)
    {
        // As Duration.FromTimeSpan does, for the non-negative durations a delivery has.
        long ticks = delivery.InvisibleUntil > now ? (delivery.InvisibleUntil - now).Ticks : 0;
        return (ticks / TimeSpan.TicksPerSecond, (int)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    private static int TimeSize(int field, long millis)
    {
        var (seconds, nanos) = ProtocolTime.FromUnixMilliseconds(millis);
        return LengthField(field, SecondsNanosSize(seconds, nanos));
    }

    private static int SecondsNanosSize(long seconds, int nanos) =>
        (seconds != 0 ? 1 + VarintSize(unchecked((ulong)seconds)) : 0) + (nanos != 0 ? 1 + VarintSize(unchecked((ulong)(long)nanos)) : 0);

    private static int StringSize(int field, string value) => LengthField(field, Utf8.GetByteCount(value));

    private static int StringIfAnySize(int field, string? value) => string.IsNullOrEmpty(value) ? 0 : StringSize(field, value);

    private static int BytesIfAnySize(int field, int length) => length == 0 ? 0 : LengthField(field, length);

    private static int LengthField(int field, int length) => TagSize(field) + VarintSize((uint)length) + length;

    private static int TagSize(int field) => VarintSize((uint)field << 3);

    private static int VarintSize(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    private ref struct Writer(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Position { get; private set; }

        public void Tag(int field, int wireType) => Varint(((uint)field << 3) | (uint)wireType);

        public void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _destination[Position++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _destination[Position++] = (byte)value;
        }

        public void Raw(scoped ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_destination[Position..]);
            Position += bytes.Length;
        }

        public void String(int field, string value)
        {
            Tag(field, LengthDelimited);
            Varint((uint)Utf8.GetByteCount(value));
            Position += Utf8.GetBytes(value, _destination[Position..]);
        }

        public void BytesIfAny(int field, scoped ReadOnlySpan<byte> utf8)
        {
            if (!utf8.IsEmpty)
            {
                Tag(field, LengthDelimited);
                Varint((uint)utf8.Length);
                Raw(utf8);
            }
        }

        public void StringIfAny(int field, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                String(field, value);
            }
        }

        public void Time(int field, long millis)
        {
            var (seconds, nanos) = ProtocolTime.FromUnixMilliseconds(millis);
            Tag(field, LengthDelimited);
            Varint((uint)SecondsNanosSize(seconds, nanos));
            SecondsNanos(seconds, nanos);
        }

        public void SecondsNanos(long seconds, int nanos)
        {
            if (seconds != 0)
            {
                Tag(1, DeliveryEncoder.Varint);
                Varint(unchecked((ulong)seconds));
            }

            if (nanos != 0)
            {
                Tag(2, DeliveryEncoder.Varint);
                Varint(unchecked((ulong)(long)nanos));
            }
        }
    }
}
