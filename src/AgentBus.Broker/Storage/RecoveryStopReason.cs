namespace AgentBus.Broker.Storage;

/// <summary>What recovery found at the position where the log now ends.</summary>
public enum RecoveryStopReason
{
    /// <summary>The directory held no segment: a new, empty log was created.</summary>
    NewLog,

    /// <summary>A zero length: nothing was written there. A cleanly closed log ends this way.</summary>
    EndOfData,

    /// <summary>The last segment ended with end-of-segment padding or is full, and no later segment existed.</summary>
    EndOfSegment,

    /// <summary>A record length below the minimum or past the end of the segment.</summary>
    InvalidLength,

    /// <summary>A record whose version byte is wrong.</summary>
    BadMagic,

    /// <summary>A record whose CRC-32 does not match its bytes (a torn or damaged write).</summary>
    ChecksumMismatch,

    /// <summary>A record whose checksum matches but whose field lengths are inconsistent.</summary>
    Malformed,
}
