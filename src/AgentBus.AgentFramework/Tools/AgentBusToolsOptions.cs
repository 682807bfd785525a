namespace AgentBus.AgentFramework;

/// <summary>Settings of the bus tools a model gets (<see cref="AgentBusToolsExtensions.AsAITools"/>).</summary>
public sealed class AgentBusToolsOptions
{
    /// <summary>The agents the model may reach; null allows any. A call to another gets a result naming the allowed ones.</summary>
    public IReadOnlyCollection<string>? AllowedAgents { get; init; }

    /// <summary>How long <c>ask_agent</c> waits for an answer; null uses <see cref="AgentBusOptions.RequestTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The bus session the questions and messages belong to (the peers keep a conversation per session); null for none.</summary>
    public string? SessionId { get; init; }

    /// <summary>Whether to offer <c>list_agents</c> (AgentBus broker only). On by default.</summary>
    public bool IncludeListAgents { get; init; } = true;
}
