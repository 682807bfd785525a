using AgentBus;

namespace GatewayDemo.Gateway;

/// <summary>
/// The gateway's agents, created when the web application starts (before it accepts requests) and closed when it
/// stops: the send-only agent the HTTP endpoints ask through (named after the instance id; replies reach it on the
/// instance's reply topic), and the control agent other instances ask to let go of a stream before they resume it.
/// </summary>
internal sealed class GatewayAgentHost(AgentBusClient bus, StreamRelays relays) : IHostedService
{
    private Agent? _agent;
    private Agent? _control;

    public Agent Agent => _agent ?? throw new InvalidOperationException("The gateway has not started.");

    public string InstanceId => bus.InstanceId;

    /// <summary>The control agent of a gateway instance. A prefix of its own, so an event id a client made up cannot address a worker.</summary>
    public static string ControlAgentId(string instanceId) => "gateway-control/" + instanceId;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _agent = await bus.CreateAgentAsync(bus.InstanceId, handler: null, cancellationToken).ConfigureAwait(false);
        _control = await bus.CreateAgentAsync(ControlAgentId(bus.InstanceId), async (ctx, ct) =>
        {
            if (ctx.IsRequest)
            {
                bool released = await relays.ReleaseAsync(ctx.GetBody<ReleaseStream>().RequestId).ConfigureAwait(false);
                await ctx.ReplyAsync(released, ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _control, null) is { } control)
        {
            await control.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _agent, null) is { } agent)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Asks the instance that relayed a stream to let go of it; false when it was not relaying it, or could not be asked.</summary>
    public async Task<bool> ReleaseElsewhereAsync(string holder, string requestId, CancellationToken ct)
    {
        var options = new RequestOptions { Timeout = StreamRelays.ReleaseTimeout + TimeSpan.FromSeconds(1), RequireLiveAgent = true };
        return await Agent.RequestAsync<ReleaseStream, bool>(ControlAgentId(holder), new ReleaseStream(requestId), options, ct)
            .ConfigureAwait(false);
    }
}
