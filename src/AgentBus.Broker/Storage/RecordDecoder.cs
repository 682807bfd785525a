using System.Buffers.Binary;
using System.IO.Hashing;
using AgentBus.Broker.Messages;

namespace AgentBus.Broker.Storage;

/// <summary>
/// Validates and decodes records in the <see cref="RecordLayout"/> format. On-disk lengths are never trusted: every
/// length is checked against the bytes that are actually there before anything is read or allocated.
/// </summary>
internal static class RecordDecoder
{
    /// <summary>
    /// Checks the frame at the start of <paramref name="span"/>, which runs from the candidate record to the last
    /// readable byte (the segment end, for sealed segments, so that padding is recognised).
    /// </summary>
    /// <param name="span">Bytes from the candidate record start to the end of readable data.</param>
    /// <param name="size">The record size when the result is <see cref="FrameStatus.Valid"/>; otherwise 0.</param>
    public static FrameStatus Check(ReadOnlySpan<byte> span, out int size)
    {
        size = 0;
        if (span.Length < RecordLayout.PaddingHeaderSize)
        {
            return FrameStatus.SegmentFull;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(span);
        if (length == 0)
        {
            return FrameStatus.Empty;
        }

        var status = CheckRecord(span, length);
        if (status == FrameStatus.Valid)
        {
            size = length;
            return status;
        }

        // Checked after the record interpretation so that a real record whose CRC happens to equal the marker and
        // which fills the segment exactly is not mistaken for padding.
        return length == span.Length && BinaryPrimitives.ReadUInt32LittleEndian(span[RecordLayout.CrcOffset..]) == RecordLayout.PaddingMarker
            ? FrameStatus.Padding
            : status;
    }

    /// <summary>Reads the indexing fields of a record that <see cref="Check"/> reported as valid.</summary>
    public static RecordHeader ReadHeader(ReadOnlySpan<byte> record, long position, Utf8StringCache? cache)
    {
        var flags = record[RecordLayout.FlagsOffset];
        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.TopicLengthOffset..]);
        var liteTopicLength = BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.LiteTopicLengthOffset..]);
        var topicBytes = record.Slice(RecordLayout.FixedSize, topicLength);
        var topic = cache?.Get(topicBytes) ?? RecordEncoder.Utf8.GetString(topicBytes);
        string? liteTopic = null;
        if ((flags & RecordLayout.FlagLiteTopic) != 0)
        {
            var liteBytes = record.Slice(RecordLayout.FixedSize + topicLength, liteTopicLength);
            liteTopic = cache?.Get(liteBytes) ?? RecordEncoder.Utf8.GetString(liteBytes);
        }

        return new RecordHeader(
            position,
            record.Length,
            topic,
            liteTopic,
            BinaryPrimitives.ReadInt32LittleEndian(record[RecordLayout.QueueIdOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(record[RecordLayout.QueueOffsetOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(record[RecordLayout.StoreTimestampOffset..]))
        {
            Deduplicated = (flags & RecordLayout.FlagDeduplicated) != 0,
        };
    }

    /// <summary>The tag's UTF-8 bytes of a record that <see cref="Check"/> reported as valid; false when it has no tag.</summary>
    public static bool TryReadTag(ReadOnlySpan<byte> record, out ReadOnlySpan<byte> tag)
    {
        tag = default;
        if ((record[RecordLayout.FlagsOffset] & RecordLayout.FlagTag) == 0)
        {
            return false;
        }

        var reader = new FieldReader(record[RecordLayout.FixedSize..]);
        reader.Bytes(BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.TopicLengthOffset..]));
        reader.Bytes(BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.LiteTopicLengthOffset..]));
        reader.Bytes(reader.UInt16()); // message id
        tag = reader.Bytes(reader.UInt16());
        return true;
    }

    /// <summary>
    /// Decodes a record that <see cref="Check"/> reported as valid. The record is copied out of
    /// <paramref name="record"/> once: the body and the still undecoded properties (<see cref="MessageRecord.Stored"/>)
    /// are slices of that copy.
    /// </summary>
    public static MessageRecord Decode(ReadOnlySpan<byte> record)
    {
        var copy = record.ToArray();
        record = copy;
        var flags = record[RecordLayout.FlagsOffset];
        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.TopicLengthOffset..]);
        var liteTopicLength = BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.LiteTopicLengthOffset..]);
        var reader = new FieldReader(record[RecordLayout.FixedSize..]);
        var topic = reader.Name(topicLength);
        var liteTopic = reader.Name(liteTopicLength);
        var messageId = reader.ShortString();
        var tag = reader.ShortString();
        var keyCount = reader.UInt16();
        var keys = keyCount == 0 ? [] : new string[keyCount];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = reader.ShortString();
        }

        var messageGroup = reader.ShortString();
        var bornHost = reader.Name(reader.UInt16());
        var propertyCount = reader.UInt16();
        int propertiesStart = RecordLayout.FixedSize + reader.Position;
        SkipProperties(ref reader, propertyCount);
        var properties = new StoredProperties(copy.AsMemory(propertiesStart, RecordLayout.FixedSize + reader.Position - propertiesStart), propertyCount);
        int bodyLength = reader.Int32();
        var body = copy.AsMemory(RecordLayout.FixedSize + reader.Position, bodyLength);

        return new MessageRecord
        {
            Topic = topic,
            LiteTopic = (flags & RecordLayout.FlagLiteTopic) != 0 ? liteTopic : null,
            QueueId = BinaryPrimitives.ReadInt32LittleEndian(record[RecordLayout.QueueIdOffset..]),
            QueueOffset = BinaryPrimitives.ReadInt64LittleEndian(record[RecordLayout.QueueOffsetOffset..]),
            MessageId = messageId,
            Tag = (flags & RecordLayout.FlagTag) != 0 ? tag : null,
            Keys = keys,
            MessageGroup = (flags & RecordLayout.FlagMessageGroup) != 0 ? messageGroup : null,
            DeliveryTimestamp = BinaryPrimitives.ReadInt64LittleEndian(record[RecordLayout.DeliveryTimestampOffset..]),
            BornTimestamp = BinaryPrimitives.ReadInt64LittleEndian(record[RecordLayout.BornTimestampOffset..]),
            BornHost = bornHost,
            StoreTimestamp = BinaryPrimitives.ReadInt64LittleEndian(record[RecordLayout.StoreTimestampOffset..]),
            ReconsumeTimes = BinaryPrimitives.ReadInt32LittleEndian(record[RecordLayout.ReconsumeTimesOffset..]),
            Stored = properties,
            Body = body,
        };
    }

    private static void SkipProperties(ref FieldReader reader, int count)
    {
        for (var i = 0; i < count; i++)
        {
            reader.Bytes(reader.UInt16());
            reader.Bytes(reader.Int32());
        }
    }

    private static FrameStatus CheckRecord(ReadOnlySpan<byte> span, int length)
    {
        if (length < RecordLayout.MinRecordSize || length > span.Length)
        {
            return FrameStatus.InvalidLength;
        }

        var record = span[..length];
        if (record[RecordLayout.MagicOffset] != RecordLayout.Magic)
        {
            return FrameStatus.BadMagic;
        }

        if (Crc32.HashToUInt32(record[RecordLayout.ChecksumStart..]) != BinaryPrimitives.ReadUInt32LittleEndian(record[RecordLayout.CrcOffset..]))
        {
            return FrameStatus.ChecksumMismatch;
        }

        return IsWellFormed(record) ? FrameStatus.Valid : FrameStatus.Malformed;
    }

    /// <summary>Walks every length field and requires them to describe the record byte for byte.</summary>
    private static bool IsWellFormed(ReadOnlySpan<byte> record)
    {
        var flags = record[RecordLayout.FlagsOffset];
        if ((flags & ~RecordLayout.KnownFlags) != 0
            || BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.ReservedOffset..]) != 0)
        {
            return false;
        }

        var liteTopicLength = BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.LiteTopicLengthOffset..]);
        if ((flags & RecordLayout.FlagLiteTopic) == 0 && liteTopicLength != 0)
        {
            return false;
        }

        var reader = new FieldReader(record[RecordLayout.FixedSize..]);
        if (!reader.TrySkip(BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLayout.TopicLengthOffset..]))
            || !reader.TrySkip(liteTopicLength)
            || !reader.TrySkipShortString(out _)
            || !reader.TrySkipShortString(out var tagLength)
            || ((flags & RecordLayout.FlagTag) == 0 && tagLength != 0)
            || !reader.TryUInt16(out var keyCount))
        {
            return false;
        }

        for (var i = 0; i < keyCount; i++)
        {
            if (!reader.TrySkipShortString(out _))
            {
                return false;
            }
        }

        if (!reader.TrySkipShortString(out var groupLength)
            || ((flags & RecordLayout.FlagMessageGroup) == 0 && groupLength != 0)
            || !reader.TrySkipShortString(out _)
            || !reader.TryUInt16(out var propertyCount))
        {
            return false;
        }

        for (var i = 0; i < propertyCount; i++)
        {
            if (!reader.TrySkipShortString(out _) || !reader.TryInt32(out var valueLength) || !reader.TrySkip(valueLength))
            {
                return false;
            }
        }

        return reader.TryInt32(out var bodyLength) && reader.TrySkip(bodyLength) && reader.AtEnd;
    }

    /// <summary>Sequential reader over the variable part; the Try methods never read past the span.</summary>
    private ref struct FieldReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        public readonly int Position => _position;

        public bool TrySkip(int length)
        {
            if (length < 0 || length > _data.Length - _position)
            {
                return false;
            }

            _position += length;
            return true;
        }

        public bool TryUInt16(out int value)
        {
            if (_data.Length - _position < sizeof(ushort))
            {
                value = 0;
                return false;
            }

            value = BinaryPrimitives.ReadUInt16LittleEndian(_data[_position..]);
            _position += sizeof(ushort);
            return true;
        }

        public bool TryInt32(out int value)
        {
            if (_data.Length - _position < sizeof(int))
            {
                value = 0;
                return false;
            }

            value = BinaryPrimitives.ReadInt32LittleEndian(_data[_position..]);
            _position += sizeof(int);
            return true;
        }

        public bool TrySkipShortString(out int length) => TryUInt16(out length) && TrySkip(length);

        // The members below are used only after IsWellFormed accepted the record; the span indexers still bound them.
        public int UInt16()
        {
            var value = BinaryPrimitives.ReadUInt16LittleEndian(_data[_position..]);
            _position += sizeof(ushort);
            return value;
        }

        public int Int32()
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(_data[_position..]);
            _position += sizeof(int);
            return value;
        }

        public ReadOnlySpan<byte> Bytes(int length)
        {
            var bytes = _data.Slice(_position, length);
            _position += length;
            return bytes;
        }

        public string String(int length) => length == 0 ? string.Empty : RecordEncoder.Utf8.GetString(Bytes(length));

        public string ShortString() => String(UInt16());

        /// <summary>A name that repeats from record to record, shared (<see cref="Utf8StringCache.Shared"/>).</summary>
        public string Name(int length) => length == 0 ? string.Empty : Utf8StringCache.Shared.Get(Bytes(length));
    }
}
