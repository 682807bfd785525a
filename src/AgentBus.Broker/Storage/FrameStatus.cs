namespace AgentBus.Broker.Storage;

/// <summary>What <see cref="RecordDecoder.Check"/> found at a position.</summary>
internal enum FrameStatus
{
    /// <summary>A complete record whose checksum and structure are valid.</summary>
    Valid,

    /// <summary>End-of-segment padding: no more records in this segment.</summary>
    Padding,

    /// <summary>Fewer bytes than a padding header are left in the segment: no more records in it.</summary>
    SegmentFull,

    /// <summary>The length field is zero: nothing was written here.</summary>
    Empty,

    /// <summary>The length is below the minimum record size or runs past the readable bytes.</summary>
    InvalidLength,

    /// <summary>The version byte is not <see cref="RecordLayout.Magic"/>.</summary>
    BadMagic,

    /// <summary>The CRC-32 does not match the bytes.</summary>
    ChecksumMismatch,

    /// <summary>The checksum matches but the field lengths do not describe the record exactly.</summary>
    Malformed,
}
