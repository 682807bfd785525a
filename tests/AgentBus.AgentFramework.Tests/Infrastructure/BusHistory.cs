namespace AgentBus.AgentFramework.Tests.Infrastructure;

/// <summary>Why the tests of what reads a session's history without owning it do not run yet.</summary>
internal static class BusHistory
{
    public const string Pending = "Needs the agent layer's Agent.ReadSessionHistoryAsync (BusAgentSessionStore, GetPendingApprovalsAsync).";
}
