using AgentBus.Protocol;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    /// <inheritdoc />
    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) =>
        HandleAsync(nameof(Heartbeat), request, context, HeartbeatAsync, static status => new HeartbeatResponse { Status = status });

    /// <inheritdoc />
    public override Task<NotifyClientTerminationResponse> NotifyClientTermination(NotifyClientTerminationRequest request, ServerCallContext context) =>
        HandleAsync(nameof(NotifyClientTermination), request, context, TerminateAsync, static status => new NotifyClientTerminationResponse { Status = status });

    /// <summary>
    /// Keeps the client and its lite subscriptions alive: every call touches the client's engine session (see
    /// <see cref="HandleCoreAsync"/>); a heartbeat also records the type and group the client announces.
    /// </summary>
    private ValueTask<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request, RequestContext call)
    {
        var client = _clients.Touch(call.ClientId);
        if (client.ClientType == ClientType.Unspecified && request.ClientType != ClientType.Unspecified)
        {
            client.ClientType = request.ClientType;
        }

        if (request.Group is { Name.Length: > 0 } group)
        {
            client.Group = group.Name;
        }

        return ValueTask.FromResult(new HeartbeatResponse { Status = StatusFactory.Ok() });
    }

    /// <summary>
    /// The client shuts down: the engine forgets it everywhere (its lite subscriptions go, pending ready events move to
    /// other clients of the group, its auto-renewed deliveries stop being renewed, its receive attempts and what the
    /// server attached to it go) and its Telemetry stream ends.
    /// </summary>
    private ValueTask<NotifyClientTerminationResponse> TerminateAsync(NotifyClientTerminationRequest request, RequestContext call)
    {
        Engine.ClientTerminated(call.ClientId);
        _telemetry.CloseClient(call.ClientId);
        ServerLog.ClientTerminated(_logger, call.ClientId);
        return ValueTask.FromResult(new NotifyClientTerminationResponse { Status = StatusFactory.Ok() });
    }
}
