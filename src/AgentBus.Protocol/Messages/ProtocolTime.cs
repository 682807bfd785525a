namespace AgentBus.Protocol.Messages;

/// <summary>
/// What a <c>google.protobuf.Timestamp</c> may hold, and a stored time (Unix milliseconds) as one. Producer, broker
/// and consumer apply the same range: a time outside it would be sent, stored or delivered as a Timestamp the other
/// side cannot decode.
/// </summary>
internal static class ProtocolTime
{
    /// <summary>Earliest seconds a Timestamp may hold: 0001-01-01T00:00:00Z.</summary>
    public const long MinSeconds = -62_135_596_800;

    /// <summary>Latest seconds a Timestamp may hold: 9999-12-31T23:59:59Z.</summary>
    public const long MaxSeconds = 253_402_300_799;

    /// <summary>Whether seconds and nanos are a valid Timestamp: within 0001..9999 and nanos normalized (0..999,999,999).</summary>
    public static bool IsValid(long seconds, int nanos) =>
        seconds is >= MinSeconds and <= MaxSeconds && nanos is >= 0 and <= 999_999_999;

    /// <summary>A valid Timestamp's Unix milliseconds (nanos below a millisecond dropped).</summary>
    public static long ToUnixMilliseconds(long seconds, int nanos) => (seconds * 1000) + (nanos / 1_000_000);

    /// <summary>
    /// The seconds and nanos of a stored time's Timestamp. Floor division keeps nanos non-negative before 1970, and a
    /// time outside what a Timestamp can hold (only in data stored before sends were validated) is clamped, so every
    /// Timestamp written from it decodes.
    /// </summary>
    public static (long Seconds, int Nanos) FromUnixMilliseconds(long millis)
    {
        long seconds = Math.Clamp(Math.DivRem(millis, 1000, out long remainder), MinSeconds, MaxSeconds);
        if (remainder < 0 && seconds > MinSeconds)
        {
            seconds--;
            remainder += 1000;
        }

        return (seconds, remainder > 0 ? (int)(remainder * 1_000_000) : 0);
    }
}
