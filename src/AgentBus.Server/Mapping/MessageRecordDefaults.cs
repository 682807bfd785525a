namespace AgentBus.Server.Mapping;

/// <summary>Shared immutable values for records built from requests.</summary>
internal static class MessageRecordDefaults
{
    /// <summary>The properties of a message without user properties.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoProperties = new Dictionary<string, string>();
}
