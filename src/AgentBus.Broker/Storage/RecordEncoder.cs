using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;

namespace AgentBus.Broker.Storage;

/// <summary>Validates a <see cref="MessageRecord"/> and writes it in the <see cref="RecordLayout"/> format.</summary>
internal static class RecordEncoder
{
    /// <summary>Replaces unpaired surrogates instead of throwing, so counting and writing always agree.</summary>
    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Returns the encoded size of <paramref name="record"/>. Throws <see cref="BrokerErrorCode.BadRequest"/> for missing
    /// or over-long fields and <see cref="BrokerErrorCode.MessageBodyTooLarge"/> when the record exceeds <paramref name="maxRecordSize"/>.
    /// </summary>
    public static int Measure(MessageRecord? record, int maxRecordSize)
    {
        if (record is null)
        {
            throw BadRequest("The record is null.");
        }

        // Refuse an obviously oversized body before counting anything else.
        if (record.Body.Length > maxRecordSize)
        {
            throw TooLarge(record.Body.Length, maxRecordSize);
        }

        long size = RecordLayout.MinRecordSize;
        size += ShortString(record.Topic ?? throw BadRequest("Topic is null."), nameof(MessageRecord.Topic));
        size += record.LiteTopic is null ? 0 : ShortString(record.LiteTopic, nameof(MessageRecord.LiteTopic));
        size += ShortString(record.MessageId ?? throw BadRequest("MessageId is null."), nameof(MessageRecord.MessageId));
        size += record.Tag is null ? 0 : ShortString(record.Tag, nameof(MessageRecord.Tag));

        var keys = record.Keys ?? throw BadRequest("Keys is null.");
        if (keys.Count > ushort.MaxValue)
        {
            throw BadRequest($"A record holds at most {ushort.MaxValue} keys.");
        }

        for (var i = 0; i < keys.Count; i++)
        {
            size += sizeof(ushort) + ShortString(keys[i] ?? throw BadRequest("A key is null."), nameof(MessageRecord.Keys));
        }

        size += record.MessageGroup is null ? 0 : ShortString(record.MessageGroup, nameof(MessageRecord.MessageGroup));
        size += ShortString(record.BornHost ?? throw BadRequest("BornHost is null."), nameof(MessageRecord.BornHost));

        // Stored properties are written as they are: each entry's lengths were bounded when the block was built.
        var properties = record.Stored.IsEmpty ? record.Properties ?? throw BadRequest("Properties is null.") : MessageRecord.EmptyProperties;
        if (properties.Count > ushort.MaxValue || record.Stored.Count > ushort.MaxValue)
        {
            throw BadRequest($"A record holds at most {ushort.MaxValue} properties.");
        }

        size += record.Stored.Block.Length;

        // Dictionary's struct enumerator avoids the boxed enumerator of the interface on the append path.
        if (properties is Dictionary<string, string> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                size += Property(key, value, maxRecordSize);
            }
        }
        else
        {
            foreach (var (key, value) in properties)
            {
                size += Property(key, value, maxRecordSize);
            }
        }

        size += record.Body.Length;
        if (size > maxRecordSize)
        {
            throw TooLarge(size, maxRecordSize);
        }

        return (int)size;
    }

    /// <summary>
    /// Writes <paramref name="record"/> into <paramref name="destination"/>, whose length must be the size returned by
    /// <see cref="Measure"/>. Every write is bounds-checked against <paramref name="destination"/>, so a record that
    /// changed since it was measured fails with <see cref="BrokerErrorCode.BadRequest"/> instead of overrunning.
    /// </summary>
    public static void Write(Span<byte> destination, MessageRecord record, long queueOffset, long storeTimestamp) =>
        Write(destination, record, record?.QueueId ?? 0, queueOffset, storeTimestamp);

    /// <summary>Writes <paramref name="record"/> as one record stored under <paramref name="queueId"/>.</summary>
    public static void Write(Span<byte> destination, MessageRecord record, int queueId, long queueOffset, long storeTimestamp)
    {
        try
        {
            WriteCore(destination, record, queueId, queueOffset, storeTimestamp);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            destination.Clear();
            throw new BrokerException(BrokerErrorCode.BadRequest, "The record changed while it was being appended.", ex);
        }
    }

    /// <summary>Writes end-of-segment padding over <paramref name="rest"/> (at least <see cref="RecordLayout.PaddingHeaderSize"/> bytes).</summary>
    public static void WritePadding(Span<byte> rest)
    {
        BinaryPrimitives.WriteInt32LittleEndian(rest, rest.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(rest[RecordLayout.CrcOffset..], RecordLayout.PaddingMarker);
    }

    private static void WriteCore(Span<byte> d, MessageRecord record, int queueId, long queueOffset, long storeTimestamp)
    {
        var flags = (byte)((record.LiteTopic is null ? 0 : RecordLayout.FlagLiteTopic)
            | (record.Tag is null ? 0 : RecordLayout.FlagTag)
            | (record.MessageGroup is null ? 0 : RecordLayout.FlagMessageGroup)
            | (record.LiteTopic is not null && record.PropertyCount > 0 && record.TryGetProperty(BrokerEngine.DeduplicationKeyProperty, out _)
                ? RecordLayout.FlagDeduplicated : 0));

        BinaryPrimitives.WriteInt32LittleEndian(d, d.Length);
        d[RecordLayout.MagicOffset] = RecordLayout.Magic;
        d[RecordLayout.FlagsOffset] = flags;
        BinaryPrimitives.WriteUInt16LittleEndian(d[RecordLayout.ReservedOffset..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(d[RecordLayout.QueueIdOffset..], queueId);
        BinaryPrimitives.WriteInt32LittleEndian(d[RecordLayout.ReconsumeTimesOffset..], record.ReconsumeTimes);
        BinaryPrimitives.WriteInt64LittleEndian(d[RecordLayout.QueueOffsetOffset..], queueOffset);
        BinaryPrimitives.WriteInt64LittleEndian(d[RecordLayout.StoreTimestampOffset..], storeTimestamp);
        BinaryPrimitives.WriteInt64LittleEndian(d[RecordLayout.BornTimestampOffset..], record.BornTimestamp);
        BinaryPrimitives.WriteInt64LittleEndian(d[RecordLayout.DeliveryTimestampOffset..], record.DeliveryTimestamp);

        var pos = RecordLayout.FixedSize;
        var topicLength = Utf8.GetBytes(record.Topic, d[pos..]);
        pos += topicLength;
        var liteTopicLength = record.LiteTopic is null ? 0 : Utf8.GetBytes(record.LiteTopic, d[pos..]);
        pos += liteTopicLength;
        BinaryPrimitives.WriteUInt16LittleEndian(d[RecordLayout.TopicLengthOffset..], checked((ushort)topicLength));
        BinaryPrimitives.WriteUInt16LittleEndian(d[RecordLayout.LiteTopicLengthOffset..], checked((ushort)liteTopicLength));

        WriteShortString(d, ref pos, record.MessageId);
        WriteShortString(d, ref pos, record.Tag);

        var keys = record.Keys;
        BinaryPrimitives.WriteUInt16LittleEndian(d[pos..], checked((ushort)keys.Count));
        pos += sizeof(ushort);
        for (var i = 0; i < keys.Count; i++)
        {
            WriteShortString(d, ref pos, keys[i]);
        }

        WriteShortString(d, ref pos, record.MessageGroup);
        WriteShortString(d, ref pos, record.BornHost);

        var stored = record.Stored;
        var properties = stored.IsEmpty ? record.Properties : MessageRecord.EmptyProperties;
        BinaryPrimitives.WriteUInt16LittleEndian(d[pos..], checked((ushort)(stored.Count + properties.Count)));
        pos += sizeof(ushort);
        stored.Block.Span.CopyTo(d[pos..]);
        pos += stored.Block.Length;
        var written = 0;
        if (properties is Dictionary<string, string> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                WriteProperty(d, ref pos, key, value);
                written++;
            }
        }
        else
        {
            foreach (var (key, value) in properties)
            {
                WriteProperty(d, ref pos, key, value);
                written++;
            }
        }

        if (written != properties.Count)
        {
            throw new InvalidOperationException("Property count changed during enumeration.");
        }

        var body = record.Body.Span;
        BinaryPrimitives.WriteInt32LittleEndian(d[pos..], body.Length);
        pos += sizeof(int);
        body.CopyTo(d[pos..]);
        pos += body.Length;

        if (pos != d.Length)
        {
            throw new InvalidOperationException("Encoded size differs from the measured size.");
        }

        BinaryPrimitives.WriteUInt32LittleEndian(d[RecordLayout.CrcOffset..], Crc32.HashToUInt32(d[RecordLayout.ChecksumStart..]));
    }

    private static void WriteShortString(Span<byte> d, ref int pos, string? value)
    {
        var length = value is null ? 0 : Utf8.GetBytes(value, d[(pos + sizeof(ushort))..]);
        BinaryPrimitives.WriteUInt16LittleEndian(d[pos..], checked((ushort)length));
        pos += sizeof(ushort) + length;
    }

    private static void WriteProperty(Span<byte> d, ref int pos, string key, string value)
    {
        WriteShortString(d, ref pos, key);
        var length = Utf8.GetBytes(value, d[(pos + sizeof(int))..]);
        BinaryPrimitives.WriteInt32LittleEndian(d[pos..], length);
        pos += sizeof(int) + length;
    }

    /// <summary>UTF-8 length of a uint16-prefixed string (the prefix itself is counted in <see cref="RecordLayout.MinVariableSize"/>).</summary>
    private static int ShortString(string value, string field)
    {
        // Every UTF-16 char needs at least one UTF-8 byte: reject without counting when even that is too long.
        if (value.Length > RecordLayout.MaxShortString)
        {
            throw BadRequest($"{field} is longer than {RecordLayout.MaxShortString} UTF-8 bytes.");
        }

        var bytes = Utf8.GetByteCount(value);
        return bytes <= RecordLayout.MaxShortString
            ? bytes
            : throw BadRequest($"{field} is longer than {RecordLayout.MaxShortString} UTF-8 bytes.");
    }

    private static long Property(string key, string? value, int maxRecordSize)
    {
        if (value is null)
        {
            throw BadRequest($"Property '{key}' has a null value.");
        }

        if (value.Length > maxRecordSize)
        {
            throw TooLarge(value.Length, maxRecordSize);
        }

        return sizeof(ushort) + ShortString(key, "A property name") + sizeof(int) + Utf8.GetByteCount(value);
    }

    private static BrokerException BadRequest(string message) => new(BrokerErrorCode.BadRequest, message);

    private static BrokerException TooLarge(long size, int limit) =>
        new(BrokerErrorCode.MessageBodyTooLarge, $"The record needs at least {size} bytes; the commit log accepts at most {limit}.");
}
