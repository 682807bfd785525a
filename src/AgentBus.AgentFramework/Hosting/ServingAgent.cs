namespace AgentBus.AgentFramework;

/// <summary>The bus agent a hosted agent is served by, known once it is created (its handler may run before the call that created it returns).</summary>
internal sealed class ServingAgent
{
    private readonly TaskCompletionSource<Agent> _agent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set(Agent agent) => _agent.TrySetResult(agent);

    public Task<Agent> Get() => _agent.Task;
}
