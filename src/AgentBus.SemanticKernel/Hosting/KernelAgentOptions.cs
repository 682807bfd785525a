using Microsoft.SemanticKernel;

namespace AgentBus.SemanticKernel;

/// <summary>How a kernel is hosted as an agent (<c>bus.CreateKernelAgentAsync(id, kernel, instructions, options)</c>).</summary>
public sealed class KernelAgentOptions
{
    /// <summary>
    /// The settings of each chat completion; null: automatic function calling over the kernel's plugins
    /// (<see cref="FunctionChoiceBehavior.Auto"/>). Give your own to pick a model, a temperature, or which functions.
    /// </summary>
    public PromptExecutionSettings? ExecutionSettings { get; init; }

    /// <summary>The key of the kernel's chat completion service to use; null uses the default one.</summary>
    public string? ServiceId { get; init; }

    /// <summary>
    /// Adds the agent bus plugin, speaking as the hosted agent, to the kernel with these options, so the model can
    /// ask, stream from and send to its peers while it answers (within the request's session and deadline). Null adds
    /// nothing (add it yourself, or not at all).
    /// </summary>
    public AgentBusPluginOptions? BusPlugin { get; init; }

    /// <summary>Where each session's history is kept; null keeps it in memory in this process (<see cref="MaxSessions"/> at most).</summary>
    public IKernelAgentHistoryStore? HistoryStore { get; init; }

    /// <summary>The most sessions the in-memory history keeps; the least recently used is forgotten first.</summary>
    public int MaxSessions { get; init; } = 10_000;

    /// <summary>
    /// The most messages kept per session (the user's, the model's, function calls and results). Older turns are
    /// dropped whole, so a function result never loses its call.
    /// </summary>
    public int MaxHistoryMessages { get; init; } = 100;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessions, 1, nameof(MaxSessions));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHistoryMessages, 2, nameof(MaxHistoryMessages));
        BusPlugin?.Validate();
    }
}
