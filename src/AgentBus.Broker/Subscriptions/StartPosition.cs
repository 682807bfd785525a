namespace AgentBus.Broker.Subscriptions;

/// <summary>Where a new lite subscription starts consuming.</summary>
public enum StartPolicy
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
/// <param name="Value">The offset, the N of <see cref="StartPolicy.TailN"/>, or Unix milliseconds for <see cref="StartPolicy.Timestamp"/>.</param>
public readonly record struct StartPosition(StartPolicy Policy, long Value = 0)
{
    /// <summary>Resume from the committed offset.</summary>
    public static StartPosition Last => new(StartPolicy.Last);

    /// <summary>From the first stored message.</summary>
    public static StartPosition Min => new(StartPolicy.Min);

    /// <summary>Only new messages.</summary>
    public static StartPosition Max => new(StartPolicy.Max);

    /// <summary>From an explicit offset.</summary>
    public static StartPosition AtOffset(long offset) => new(StartPolicy.Offset, offset);

    /// <summary>The last <paramref name="n"/> messages.</summary>
    public static StartPosition Tail(long n) => new(StartPolicy.TailN, n);

    /// <summary>From the first message stored at or after <paramref name="timestamp"/>.</summary>
    public static StartPosition FromTimestamp(DateTimeOffset timestamp) => new(StartPolicy.Timestamp, timestamp.ToUnixTimeMilliseconds());
}
