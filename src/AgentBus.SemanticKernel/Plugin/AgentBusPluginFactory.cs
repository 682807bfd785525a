using Microsoft.SemanticKernel;

namespace AgentBus.SemanticKernel;

internal static class AgentBusPluginFactory
{
    public static KernelPlugin Create(Agent agent, AgentBusPluginOptions? options)
    {
        ArgumentNullException.ThrowIfNull(agent);
        options ??= new AgentBusPluginOptions();
        options.Validate();
        return KernelPluginFactory.CreateFromObject(new AgentBusPlugin(agent, options), options.PluginName);
    }
}
