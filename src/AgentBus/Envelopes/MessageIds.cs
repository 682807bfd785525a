namespace AgentBus.Envelopes;

/// <summary>Bus message and request ids: time-ordered (UUID v7), 32 hex digits, valid lite topic characters.</summary>
internal static class MessageIds
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}
