using AgentBus.Broker.Errors;

namespace AgentBus.Broker.Topics;

/// <summary>
/// Validates topic, lite topic and consumer group names with RocketMQ's rules: ASCII letters, digits,
/// <c>%</c>, <c>|</c>, <c>_</c> and <c>-</c>, bounded in length.
/// </summary>
internal static class NameRules
{
    /// <summary>Longest topic name RocketMQ accepts.</summary>
    public const int MaxTopicLength = 127;

    /// <summary>Longest consumer group name RocketMQ accepts.</summary>
    public const int MaxGroupLength = 255;

    /// <summary>Throws <see cref="BrokerErrorCode.IllegalTopic"/> unless <paramref name="topic"/> is a valid topic name.</summary>
    public static void ValidateTopic(string? topic)
    {
        if (!IsValid(topic, MaxTopicLength))
        {
            throw new BrokerException(BrokerErrorCode.IllegalTopic,
                $"Topic '{topic}' is illegal: 1 to {MaxTopicLength} characters of [a-zA-Z0-9%|_-].");
        }
    }

    /// <summary>Throws <see cref="BrokerErrorCode.IllegalConsumerGroup"/> unless <paramref name="group"/> is a valid group name.</summary>
    public static void ValidateGroup(string? group)
    {
        if (!IsValid(group, MaxGroupLength))
        {
            throw new BrokerException(BrokerErrorCode.IllegalConsumerGroup,
                $"Consumer group '{group}' is illegal: 1 to {MaxGroupLength} characters of [a-zA-Z0-9%|_-].");
        }
    }

    /// <summary>Throws <see cref="BrokerErrorCode.IllegalLiteTopic"/> unless <paramref name="liteTopic"/> is valid and at most <paramref name="maxLength"/> long.</summary>
    public static void ValidateLiteTopic(string? liteTopic, int maxLength)
    {
        if (!IsValid(liteTopic, maxLength))
        {
            throw new BrokerException(BrokerErrorCode.IllegalLiteTopic,
                $"Lite topic '{liteTopic}' is illegal: 1 to {maxLength} characters of [a-zA-Z0-9%|_-].");
        }
    }

    /// <summary>Whether <paramref name="name"/> is 1 to <paramref name="maxLength"/> characters of the allowed set.</summary>
    public static bool IsValid(string? name, int maxLength)
    {
        if (string.IsNullOrEmpty(name) || name.Length > maxLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!IsAllowed(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAllowed(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '%' or '|' or '_' or '-';
}
