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
    public static string Group(Resource? group)
    {
        string? name = group?.Name;
        NameRules.ValidateGroup(name);
        return name!;
    }

    /// <summary>A receipt handle (INVALID_RECEIPT_HANDLE when empty).</summary>
    public static string ReceiptHandle(string? handle) =>
        string.IsNullOrEmpty(handle) ? throw new RequestException(Code.InvalidReceiptHandle, "A receipt handle is required.") : handle;

    /// <summary>A non-negative duration, or null when absent (refused with <paramref name="code"/> when out of range).</summary>
    public static TimeSpan? Duration(Duration? value, Code code, string field)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Seconds < 0 || value.Nanos < 0 || value.Seconds > 365L * 24 * 3600)
        {
            throw new RequestException(code, $"{field} is out of range.");
        }

        return value.ToTimeSpan();
    }
}
