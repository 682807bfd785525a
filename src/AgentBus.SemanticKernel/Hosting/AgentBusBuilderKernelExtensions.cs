using AgentBus.SemanticKernel;
using AgentBus.SemanticKernel.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.SemanticKernel;

namespace AgentBus;

/// <summary>Registers kernels as agents with the bus added by <c>services.AddAgentBus(...)</c>.</summary>
public static class AgentBusBuilderKernelExtensions
{
    /// <summary>
    /// Registers an agent served by a kernel, as <see cref="KernelAgentExtensions.CreateKernelAgentAsync"/> does, started
    /// with the host. The kernel is resolved once from the services (<c>services.AddKernel()</c>), or built by
    /// <paramref name="kernel"/>; a kernel without a chat completion service fails the host's start.
    /// </summary>
    /// <param name="builder">The bus builder.</param>
    /// <param name="agentId">The agent id.</param>
    /// <param name="instructions">The system instructions of every call; null for none.</param>
    /// <param name="options">Execution settings, the bus plugin, history; null uses the defaults.</param>
    /// <param name="kernel">Builds the agent's kernel; null resolves <see cref="Kernel"/> from the services.</param>
    /// <returns>The builder.</returns>
    public static AgentBusBuilder AddKernelAgent(this AgentBusBuilder builder, string agentId, string? instructions = null,
        KernelAgentOptions? options = null, Func<IServiceProvider, Kernel>? kernel = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        var services = builder.Services;
        services.AddKeyedSingleton(agentId, (provider, _) =>
            new KernelAgent(kernel?.Invoke(provider) ?? provider.GetRequiredService<Kernel>(), instructions, options));
        services.AddSingleton(new KernelAgentRegistration(agentId));
        // After the bus's own hosted service, which AddAgentBus registered first: the agents exist by then.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, KernelAgentStarter>());
        return builder.AddAgent<KernelAgentDispatcher>(agentId);
    }
}
