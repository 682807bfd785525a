using AgentBus;
using MultiAgentDemo.Display;
using MultiAgentDemo.Model;

namespace MultiAgentDemo.Steps;

/// <summary>What the steps share: the gateway's bus and agent, the model, the run's ids, and what earlier steps produced.</summary>
internal sealed class DemoContext : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public DemoContext(AgentBusClient bus, Agent gateway, DemoOptions options, ModelChoice model, DemoConsole console, bool workersInProcess)
    {
        Bus = bus;
        Gateway = gateway;
        Options = options;
        Model = model;
        Console = console;
        WorkersInProcess = workersInProcess;
        // Ids unique per run, so a run against a long-lived broker never meets an earlier run's conversation.
        RunId = Guid.NewGuid().ToString("N")[..8];
    }

    public AgentBusClient Bus { get; }

    /// <summary>The gateway agent (send-only) of the main gateway instance.</summary>
    public Agent Gateway { get; }

    public DemoOptions Options { get; }

    public ModelChoice Model { get; }

    public DemoConsole Console { get; }

    /// <summary>Whether the planner, researcher and writer run in this process (not <c>--role gateway</c>).</summary>
    public bool WorkersInProcess { get; }

    public string RunId { get; }

    /// <summary>The user's conversation: the bus session the steps talk in.</summary>
    public string ConversationId => $"conv-{RunId}";

    public string Question => Options.Question;

    public TimeSpan Timeout => Options.Timeout;

    /// <summary>The planner's answer (step 2), the writer's prompt material.</summary>
    public string? Plan { get; set; }

    /// <summary>The writer's streamed answer (step 3).</summary>
    public string? Answer { get; set; }

    /// <summary>The session's current owner after the resume step, kept open so the history step reads beside it.</summary>
    public AgentSession? SessionOwner { get; set; }

    /// <summary>The turns the resume step posted to the conversation, in order.</summary>
    public IReadOnlyList<ConversationTurn>? Turns { get; set; }

    /// <summary>A further gateway (or worker) instance on the same broker, with its own connection and reply topic.</summary>
    public async Task<AgentBusClient> ConnectAsync(string instanceId, CancellationToken ct) =>
        await AgentBusClient.ConnectAsync(new AgentBusOptions { Endpoints = Bus.Endpoints, InstanceId = instanceId, RequestTimeout = Timeout }, ct)
            .ConfigureAwait(false);

    /// <summary>Disposed with the context, last in first out.</summary>
    public T Own<T>(T disposable) where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>One turn of the conversation as it travels in the session.</summary>
internal sealed record ConversationTurn(int Number, string From, string Text);
