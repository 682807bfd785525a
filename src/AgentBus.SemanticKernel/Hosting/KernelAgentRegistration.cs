using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentBus.SemanticKernel.Hosting;

/// <summary>A kernel agent registered in DI: its id, to find its <see cref="KernelAgent"/> (a keyed singleton).</summary>
internal sealed record KernelAgentRegistration(string AgentId);

/// <summary>
/// The handler every DI-registered kernel agent shares (resolved per message, as <c>AddAgent&lt;THandler&gt;</c> does):
/// it finds the agent's <see cref="KernelAgent"/> by the id of the agent handling the message.
/// </summary>
internal sealed class KernelAgentDispatcher(IServiceProvider services) : IAgentHandler
{
    public ValueTask HandleAsync(AgentContext context, CancellationToken ct)
    {
        var agent = services.GetRequiredKeyedService<KernelAgent>(context.Agent.Id);
        agent.Attach(context.Agent);
        return agent.HandleAsync(context, ct);
    }
}

/// <summary>
/// Builds every registered kernel agent when the host starts (after the bus), so that a kernel without a chat
/// completion service fails the start rather than the first message, and binds each to its agent.
/// </summary>
internal sealed class KernelAgentStarter(IServiceProvider services, IEnumerable<KernelAgentRegistration> registrations) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in registrations)
        {
            var agent = services.GetRequiredKeyedService<KernelAgent>(registration.AgentId);
            agent.Attach(services.GetRequiredKeyedService<Agent>(registration.AgentId));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
