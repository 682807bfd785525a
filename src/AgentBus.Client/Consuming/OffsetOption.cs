using ProtoOffsetOption = Apache.Rocketmq.V2.OffsetOption;

namespace AgentBus.Client.Consuming;

/// <summary>Where a new lite subscription starts consuming.</summary>
public sealed class OffsetOption
{
    private readonly Func<ProtoOffsetOption> _create;
    private readonly string _text;

    private OffsetOption(Func<ProtoOffsetOption> create, string text)
    {
        _create = create;
        _text = text;
    }

    /// <summary>The group's committed offset (new lite topics: the broker's default start).</summary>
    public static OffsetOption LastOffset { get; } = new(() => new ProtoOffsetOption { Policy = ProtoOffsetOption.Types.Policy.Last }, "LAST");

    /// <summary>The earliest stored message.</summary>
    public static OffsetOption MinOffset { get; } = new(() => new ProtoOffsetOption { Policy = ProtoOffsetOption.Types.Policy.Min }, "MIN");

    /// <summary>Only messages sent from now on.</summary>
    public static OffsetOption MaxOffset { get; } = new(() => new ProtoOffsetOption { Policy = ProtoOffsetOption.Types.Policy.Max }, "MAX");

    /// <summary>An explicit queue offset.</summary>
    public static OffsetOption OfOffset(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return new OffsetOption(() => new ProtoOffsetOption { Offset = offset }, $"OFFSET({offset})");
    }

    /// <summary>The last <paramref name="count"/> messages.</summary>
    public static OffsetOption OfTailN(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new OffsetOption(() => new ProtoOffsetOption { TailN = count }, $"TAIL({count})");
    }

    /// <summary>Messages stored at or after <paramref name="timestamp"/>.</summary>
    public static OffsetOption OfTimestamp(DateTimeOffset timestamp)
    {
        long millis = timestamp.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(millis, nameof(timestamp));
        return new OffsetOption(() => new ProtoOffsetOption { Timestamp = millis }, $"TIMESTAMP({millis})");
    }

    internal ProtoOffsetOption ToProtobuf() => _create();

    /// <inheritdoc />
    public override string ToString() => _text;
}
