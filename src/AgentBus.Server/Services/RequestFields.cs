using AgentBus.Broker.Topics;
using AgentBus.Server.Errors;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;

namespace AgentBus.Server.Services;

/// <summary>Reads required request fields, refusing missing or malformed ones with the protocol's codes.</summary>
internal static class RequestFields
{
    /// <summary>A valid topic name (ILLEGAL_TOPIC otherwise).</summary>
    public static string Topic(Resource? topic)
    {
        string? name = topic?.Name;
        NameRules.ValidateTopic(name);
        return name!;
    }

    /// <summary>A valid consumer group name (ILLEGAL_CONSUMER_GROUP otherwise).</summary>
    public static string Group(Resource? group) => Group(group?.Name);

    /// <summary>A valid consumer group name (ILLEGAL_CONSUMER_GROUP otherwise); null when the request has none.</summary>
    public static string Group(string? name)
    {
        NameRules.ValidateGroup(name);
        return name!;
    }

    /// <summary>A receipt handle (INVALID_RECEIPT_HANDLE when empty).</summary>
    public static string ReceiptHandle(string? handle) =>
        string.IsNullOrEmpty(handle) ? throw new RequestException(Code.InvalidReceiptHandle, "A receipt handle is required.") : handle;

    /// <summary>Longest duration any request field may carry; the engine and options bound each field further.</summary>
    private const long MaxDurationSeconds = 365L * 24 * 3600;

    /// <summary>
    /// A non-negative, normalized duration of at most a year, or null when absent. Anything else (negative, nanos
    /// outside 0..999,999,999, which <see cref="Google.Protobuf.WellKnownTypes.Duration.ToTimeSpan"/> would throw on,
    /// or huge seconds) is the caller's mistake and is refused with <paramref name="code"/>.
    /// </summary>
    public static TimeSpan? Duration(Duration? value, Code code, string field)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Seconds is < 0 or > MaxDurationSeconds || value.Nanos is < 0 or > 999_999_999)
        {
            throw new RequestException(code,
                $"{field} ({value.Seconds} s, {value.Nanos} ns) must be a normalized duration within 0..{MaxDurationSeconds} s.");
        }

        return TimeSpan.FromSeconds(value.Seconds) + TimeSpan.FromTicks(value.Nanos / 100);
    }
}
