using AgentBus.SemanticKernel;
using AgentBus.SemanticKernel.Hosting;
using Microsoft.SemanticKernel;

namespace AgentBus;

/// <summary>Hosts a kernel as an agent on the bus: <c>bus.CreateKernelAgentAsync("writer", kernel, instructions)</c>.</summary>
public static class KernelAgentExtensions
{
    /// <summary>
    /// Creates an agent that answers with <paramref name="kernel"/>'s chat completion, with automatic function calling
    /// over the kernel's plugins: a request's body (a prompt string, or a <see cref="KernelAgentRequest"/>) is
    /// answered with the model's text; a streamed request gets the model's tokens as a streamed reply; a one-way
    /// message runs the model for what its functions do. A request with a session (<see cref="RequestOptions.SessionId"/>)
    /// continues that session's chat history (see <see cref="KernelAgentOptions.HistoryStore"/>).
    /// </summary>
    /// <param name="bus">The bus.</param>
    /// <param name="agentId">The agent's id.</param>
    /// <param name="kernel">The kernel: a chat completion service (or an <c>IChatClient</c>) and plugins.</param>
    /// <param name="instructions">The system instructions of every call; null for none.</param>
    /// <param name="options">Execution settings, the bus plugin, history; null uses the defaults.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The agent; dispose it to stop serving.</returns>
    /// <exception cref="InvalidOperationException">The kernel has no chat completion service.</exception>
    /// <exception cref="ArgumentException">The options are invalid, or the kernel has a plugin of the bus plugin's name already.</exception>
    public static async Task<Agent> CreateKernelAgentAsync(this AgentBusClient bus, string agentId, Kernel kernel, string? instructions = null,
        KernelAgentOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var host = new KernelAgent(kernel, instructions, options);
        if (host.Options.BusPlugin is { } plugin && kernel.Plugins.Contains(plugin.PluginName))
        {
            throw new ArgumentException($"The kernel has a plugin named '{plugin.PluginName}' already; give the bus plugin another PluginName.", nameof(options));
        }

        var agent = await bus.CreateAgentAsync(agentId, host.HandleAsync, ct).ConfigureAwait(false);
        try
        {
            host.Attach(agent);
        }
        catch
        {
            // Messages that arrived meanwhile go back to the broker for another replica.
            host.Abandon();
            await agent.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return agent;
    }
}
