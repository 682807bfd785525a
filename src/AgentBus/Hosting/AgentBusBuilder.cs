using AgentBus.Handling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

using AgentBus.Hosting;

namespace AgentBus;

/// <summary>Registers agents on the bus added by <c>services.AddAgentBus(...)</c>; each becomes a keyed <see cref="Agent"/> service.</summary>
public sealed class AgentBusBuilder
{
    internal AgentBusBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers a send-only agent (a gateway, a client): inject it as <c>[FromKeyedServices(agentId)] Agent</c>.</summary>
    /// <param name="agentId">The agent id.</param>
    /// <returns>This builder.</returns>
    public AgentBusBuilder AddAgent(string agentId) => Add(agentId, _ => null);

    /// <summary>Registers an agent that serves its inbox with <paramref name="handler"/>.</summary>
    /// <param name="agentId">The agent id.</param>
    /// <param name="handler">The handler.</param>
    /// <returns>This builder.</returns>
    public AgentBusBuilder AddAgent(string agentId, AgentHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(agentId, _ => handler);
    }

    /// <summary>
    /// Registers an agent whose handler <paramref name="handlerFactory"/> builds from the application's services
    /// once, when the host starts (for handlers that need services, e.g. a keyed one).
    /// </summary>
    /// <param name="agentId">The agent id.</param>
    /// <param name="handlerFactory">Builds the handler.</param>
    /// <returns>This builder.</returns>
    public AgentBusBuilder AddAgent(string agentId, Func<IServiceProvider, AgentHandler> handlerFactory)
    {
        ArgumentNullException.ThrowIfNull(handlerFactory);
        return Add(agentId, handlerFactory);
    }

    /// <summary>Registers an agent whose handler is resolved from a new DI scope for each message.</summary>
    /// <typeparam name="THandler">The handler type (registered scoped unless it already is).</typeparam>
    /// <param name="agentId">The agent id.</param>
    /// <returns>This builder.</returns>
    public AgentBusBuilder AddAgent<THandler>(string agentId)
        where THandler : class, IAgentHandler
    {
        Services.TryAddScoped<THandler>();
        return Add(agentId, provider =>
        {
            var scopes = provider.GetRequiredService<IServiceScopeFactory>();
            return async (context, ct) =>
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<THandler>().HandleAsync(context, ct).ConfigureAwait(false);
            };
        });
    }

    private AgentBusBuilder Add(string agentId, Func<IServiceProvider, AgentHandler?> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        Services.AddSingleton(new AgentRegistration(agentId, handler));
        Services.AddKeyedSingleton<Agent>(agentId, (provider, _) => provider.GetRequiredService<AgentBusHost>().Agent(agentId));
        return this;
    }
}

/// <summary>An agent to start with the host.</summary>
internal sealed record AgentRegistration(string AgentId, Func<IServiceProvider, AgentHandler?> Handler);
