using AgentBus;

namespace GatewayDemo.Gateway;

/// <summary>
/// The gateway's send-only agent handle, named after its instance id; created when the web application starts
/// (before it accepts requests) and closed when it stops. Replies reach it on the instance's reply topic.
/// </summary>
internal sealed class GatewayAgentHost(AgentBusClient bus) : IHostedService
{
    private Agent? _agent;

    public Agent Agent => _agent ?? throw new InvalidOperationException("The gateway has not started.");

    public string InstanceId => bus.InstanceId;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _agent = await bus.CreateAgentAsync(bus.InstanceId, handler: null, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _agent, null) is { } agent)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }
    }
}
