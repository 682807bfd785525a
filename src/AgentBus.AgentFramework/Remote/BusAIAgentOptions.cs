namespace AgentBus.AgentFramework;

/// <summary>Settings of a <see cref="BusAIAgent"/>.</summary>
public sealed class BusAIAgentOptions
{
    /// <summary>The agent's id in the Agent Framework (workflows use it to tell agents apart); null generates one.</summary>
    public string? Id { get; init; }

    /// <summary>The agent's name; null uses the bus agent id.</summary>
    public string? Name { get; init; }

    /// <summary>What the agent does: shown to a model when the agent becomes a tool (<c>AsAIFunction()</c>).</summary>
    public string? Description { get; init; }

    /// <summary>
    /// How long to wait for the reply of a run, and for each next update of a streamed one; null uses
    /// <see cref="AgentBusOptions.RequestTimeout"/>. A model run with tools may take a while: give it room.
    /// </summary>
    public TimeSpan? Timeout { get; init; }
}
