namespace MultiAgentDemo.Steps;

/// <summary>One capability, shown and verified over the bus.</summary>
internal abstract class DemoStep
{
    /// <summary>Short name for headers and the summary ("SendTo").</summary>
    public abstract string Name { get; }

    /// <summary>What the step shows, in a few words.</summary>
    public abstract string Title { get; }

    /// <summary>The AgentBus calls that do it.</summary>
    public abstract string Api { get; }

    /// <summary>Why the step cannot run in this process, or null.</summary>
    public virtual string? SkipReason(DemoContext context) => null;

    public abstract Task RunAsync(DemoContext context, StepChecks checks, CancellationToken ct);
}
