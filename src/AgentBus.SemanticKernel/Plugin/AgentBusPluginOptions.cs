namespace AgentBus.SemanticKernel;

/// <summary>How the agent bus plugin presents the bus to a model (<c>kernel.Plugins.AddAgentBus(agent, options)</c>).</summary>
public sealed class AgentBusPluginOptions
{
    /// <summary>The plugin's name, which prefixes its functions' names as the model sees them.</summary>
    public string PluginName { get; init; } = "agentbus";

    /// <summary>
    /// How long <c>ask_agent</c> and <c>stream_from_agent</c> wait when the model gives no timeout (for a stream: for
    /// each next chunk); null uses the bus's <see cref="AgentBusOptions.RequestTimeout"/>.
    /// </summary>
    public TimeSpan? DefaultTimeout { get; init; }

    /// <summary>The longest timeout the model may ask for; a longer one is cut to this.</summary>
    public TimeSpan MaxTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The session (conversation) the calls belong to: peers handle a session's messages in order and keep its
    /// context, and <c>read_session_history</c> reads it when the model names none. Inside a kernel hosted with
    /// <c>CreateKernelAgentAsync</c>, the session of the request being answered takes precedence.
    /// </summary>
    public string? SessionId { get; init; }

    /// <summary>The agents the model may address; null allows any. <c>list_agents</c> shows only these.</summary>
    public IReadOnlySet<string>? AllowedAgents { get; init; }

    /// <summary>
    /// Whether <c>ask_agent</c> and <c>stream_from_agent</c> fail at once when no replica of the agent runs (the model
    /// then hears so and can choose another agent) instead of waiting in its inbox until the timeout. On by default;
    /// <c>send_to_agent</c> always queues for an agent that is offline.
    /// </summary>
    public bool RequireLiveAgent { get; init; } = true;

    /// <summary>The most messages <c>read_session_history</c> returns in one call.</summary>
    public int MaxHistoryMessages { get; init; } = 50;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(PluginName))
        {
            throw new ArgumentException("The plugin needs a name.", nameof(PluginName));
        }

        if (DefaultTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultTimeout), timeout, "A timeout is positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxTimeout, TimeSpan.Zero, nameof(MaxTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHistoryMessages, 1, nameof(MaxHistoryMessages));
    }
}
