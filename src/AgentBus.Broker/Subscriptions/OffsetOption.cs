namespace AgentBus.Broker.Subscriptions;

/// <summary>Where a new lite subscription starts consuming.</summary>
public enum OffsetPolicy
{
    /// <summary>Resume from the group's committed offset; a group with none starts at the first stored message.</summary>
    Last,
    /// <summary>The first stored message.</summary>
    Min,
    /// <summary>Only messages sent from now on.</summary>
    Max,
    /// <summary>An explicit queue offset.</summary>
    Offset,
    /// <summary>The last N stored messages.</summary>
    TailN,
    /// <summary>The first message stored at or after a timestamp.</summary>
    Timestamp,
}

/// <summary>A subscribe-time start position.</summary>
/// <param name="Policy">Which rule.</param>
/// <param name="Value">The offset, the N of <see cref="OffsetPolicy.TailN"/>, or Unix milliseconds for <see cref="OffsetPolicy.Timestamp"/>.</param>
public readonly record struct OffsetOption(OffsetPolicy Policy, long Value = 0)
{
    /// <summary>Resume from the committed offset.</summary>
    public static OffsetOption Last => new(OffsetPolicy.Last);

    /// <summary>From the first stored message.</summary>
    public static OffsetOption Min => new(OffsetPolicy.Min);

    /// <summary>Only new messages.</summary>
    public static OffsetOption Max => new(OffsetPolicy.Max);

    /// <summary>From an explicit offset.</summary>
    public static OffsetOption AtOffset(long offset) => new(OffsetPolicy.Offset, offset);

    /// <summary>The last <paramref name="n"/> messages.</summary>
    public static OffsetOption Tail(long n) => new(OffsetPolicy.TailN, n);

    /// <summary>From the first message stored at or after <paramref name="timestamp"/>.</summary>
    public static OffsetOption FromTimestamp(DateTimeOffset timestamp) => new(OffsetPolicy.Timestamp, timestamp.ToUnixTimeMilliseconds());
}
