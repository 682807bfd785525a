using AgentBus;
using AgentBus.SemanticKernel;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.SemanticKernel;

/// <summary>Adds the agent bus plugin to a kernel: <c>kernel.Plugins.AddAgentBus(agent)</c>.</summary>
public static class AgentBusPluginExtensions
{
    /// <summary>
    /// Adds the agent bus as a plugin whose functions a model calls on behalf of <paramref name="agent"/>:
    /// <c>ask_agent</c>, <c>stream_from_agent</c>, <c>send_to_agent</c>, <c>list_agents</c> and <c>read_session_history</c>
    /// (see docs/semantic-kernel.md). Failures come back to the model as results starting with <c>ERROR [code]</c>.
    /// </summary>
    /// <param name="plugins">The kernel's plugins (<c>kernel.Plugins</c>).</param>
    /// <param name="agent">The agent the model speaks as: peers see it as the sender, and answers come back to it.</param>
    /// <param name="options">Plugin name, timeouts, session, allowed peers; null uses the defaults.</param>
    /// <returns>The plugin added.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static KernelPlugin AddAgentBus(this ICollection<KernelPlugin> plugins, Agent agent, AgentBusPluginOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        var plugin = AgentBusPluginFactory.Create(agent, options);
        plugins.Add(plugin);
        return plugin;
    }

    /// <summary>Adds the agent bus plugin to a kernel being built; see <see cref="AddAgentBus(ICollection{KernelPlugin}, Agent, AgentBusPluginOptions?)"/>.</summary>
    /// <param name="plugins">The builder's plugins (<c>builder.Plugins</c>).</param>
    /// <param name="agent">The agent the model speaks as.</param>
    /// <param name="options">Plugin name, timeouts, session, allowed peers; null uses the defaults.</param>
    /// <returns>The builder's plugins.</returns>
    public static IKernelBuilderPlugins AddAgentBus(this IKernelBuilderPlugins plugins, Agent agent, AgentBusPluginOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        var plugin = AgentBusPluginFactory.Create(agent, options);
        plugins.Services.AddSingleton(plugin);
        return plugins;
    }
}
