namespace AgentBus.SemanticKernel.Hosting;

/// <summary>
/// The request a hosted kernel is answering, for the bus plugin's calls made while it runs: they belong to the
/// request's session and end by its deadline. Flows with the async call (AsyncLocal) into the function invocation.
/// </summary>
internal static class KernelAgentScope
{
    private static readonly AsyncLocal<AgentContext?> s_current = new();

    public static AgentContext? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }
}
