using Microsoft.Agents.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.AgentFramework;

/// <summary>Registers Agent Framework agents to be served on the bus added by <c>services.AddAgentBus(...)</c>.</summary>
public static class AgentBusBuilderAIAgentExtensions
{
    /// <summary>
    /// Serves the <see cref="AIAgent"/> registered as a keyed service under <paramref name="agentId"/> (the convention
    /// of the Agent Framework's hosting, e.g. <c>services.AddKeyedSingleton&lt;AIAgent&gt;("writer", ...)</c>) as the
    /// bus agent of that id, starting and stopping with the host. The session store is, in order: the options', a
    /// keyed <see cref="AgentSessionStore"/> under the same id, an unkeyed one, the bus.
    /// </summary>
    /// <param name="builder">The bus builder.</param>
    /// <param name="agentId">The bus agent id and the key of the <see cref="AIAgent"/> service.</param>
    /// <param name="configure">Changes the hosting options.</param>
    /// <returns>The builder.</returns>
    public static AgentBusBuilder AddAIAgent(this AgentBusBuilder builder, string agentId, Action<AIAgentHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddAgent(agentId, services => Handler(services, agentId, services.GetRequiredKeyedService<AIAgent>(agentId), configure));
    }

    /// <summary>Serves <paramref name="agent"/> as the bus agent <paramref name="agentId"/>, starting and stopping with the host.</summary>
    /// <param name="builder">The bus builder.</param>
    /// <param name="agentId">The bus agent id.</param>
    /// <param name="agent">The agent.</param>
    /// <param name="configure">Changes the hosting options.</param>
    /// <returns>The builder.</returns>
    public static AgentBusBuilder AddAIAgent(this AgentBusBuilder builder, string agentId, AIAgent agent, Action<AIAgentHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(agent);
        return builder.AddAgent(agentId, services => Handler(services, agentId, agent, configure));
    }

    private static AgentHandler Handler(IServiceProvider services, string agentId, AIAgent agent, Action<AIAgentHostOptions>? configure)
    {
        var options = new AIAgentHostOptions();
        configure?.Invoke(options);
        options.SessionStore ??= services.GetKeyedService<AgentSessionStore>(agentId) ?? services.GetService<AgentSessionStore>();
        return new AIAgentBusHandler(agentId, agent, options).HandleAsync;
    }
}
