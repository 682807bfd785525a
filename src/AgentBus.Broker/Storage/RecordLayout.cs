namespace AgentBus.Broker.Storage;

/// <summary>
/// Byte layout of one record (little-endian). The fields <see cref="RecordHeader"/> needs sit in the fixed part and
/// right after it, so headers are read without touching the body. See docs/storage.md.
/// </summary>
internal static class RecordLayout
{
    public const int TotalSizeOffset = 0;       // int32: whole record, this field included
    public const int CrcOffset = 4;             // uint32: CRC-32 of bytes [ChecksumStart, TotalSize)
    public const int MagicOffset = 8;           // byte: format version
    public const int FlagsOffset = 9;           // byte: which nullable strings are present
    public const int TopicLengthOffset = 10;    // uint16
    public const int LiteTopicLengthOffset = 12; // uint16
    public const int ReservedOffset = 14;       // uint16, always 0
    public const int QueueIdOffset = 16;        // int32
    public const int ReconsumeTimesOffset = 20; // int32
    public const int QueueOffsetOffset = 24;    // int64
    public const int StoreTimestampOffset = 32; // int64
    public const int BornTimestampOffset = 40;  // int64
    public const int DeliveryTimestampOffset = 48; // int64
    public const int FixedSize = 56;            // topic bytes, then lite topic bytes, then the variable part

    /// <summary>The checksum covers everything after the CRC field, so a torn or flipped byte anywhere past the length is caught.</summary>
    public const int ChecksumStart = 8;

    /// <summary>Format version 1. A byte that is rarely produced by zeroed or ASCII garbage.</summary>
    public const byte Magic = 0xA7;

    public const byte FlagLiteTopic = 1;
    public const byte FlagTag = 2;
    public const byte FlagMessageGroup = 4;

    /// <summary>
    /// The properties carry the deduplication key (<see cref="BrokerEngine.DeduplicationKeyProperty"/>): recovery decodes
    /// only these records to rebuild the deduplication window, not every record of the window's last minutes.
    /// </summary>
    public const byte FlagDeduplicated = 8;
    public const byte KnownFlags = FlagLiteTopic | FlagTag | FlagMessageGroup | FlagDeduplicated;

    /// <summary>
    /// Variable part with every string empty and no keys, properties or body: message id, tag, key count,
    /// message group, born host, property count (uint16 each) and body length (int32).
    /// </summary>
    public const int MinVariableSize = (6 * sizeof(ushort)) + sizeof(int);

    public const int MinRecordSize = FixedSize + MinVariableSize;

    /// <summary>Longest UTF-8 string that a uint16 length prefix can describe.</summary>
    public const int MaxShortString = ushort.MaxValue;

    /// <summary>
    /// End-of-segment padding: [int32 remaining bytes][uint32 PaddingMarker]. Written when a record does not fit in
    /// the rest of a segment; the writer then rolls to the next segment.
    /// </summary>
    public const uint PaddingMarker = 0xCBD43194;

    public const int PaddingHeaderSize = 8;
}
