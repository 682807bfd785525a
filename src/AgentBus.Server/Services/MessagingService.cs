using AgentBus.Broker;
using AgentBus.Broker.Consumption;
using AgentBus.Broker.Errors;
using AgentBus.Protocol;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Hosting;
using AgentBus.Server.Metrics;
using AgentBus.Server.Telemetry;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Services;

/// <summary>
/// <c>apache.rocketmq.v2.MessagingService</c> over the engine. Every call reports its outcome in the response's
/// <see cref="Status"/> (the gRPC status stays OK), so official clients raise their typed exceptions; no request
/// brings the server down. The RPCs are split by concern into partial files.
/// </summary>
[BindServiceMethod(typeof(MessagingService), nameof(BindService))]
internal sealed partial class MessagingService : Apache.Rocketmq.V2.MessagingService.MessagingServiceBase
{
    private readonly BrokerEngineHost _host;
    private readonly ClientRegistry _clients;
    private readonly TelemetryHub _telemetry;
    private readonly ServerOptions _options;
    private readonly BrokerMetrics _metrics;
    private readonly LimitMetrics _limitMetrics;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<MessagingService> _logger;

    /// <summary>Creates the service; one instance serves every call.</summary>
    public MessagingService(BrokerEngineHost host, ClientRegistry clients, TelemetryHub telemetry,
        IOptions<ServerOptions> options, BrokerMetrics metrics, LimitMetrics limitMetrics, TimeProvider time,
        IHostApplicationLifetime lifetime, ILogger<MessagingService> logger)
    {
        _host = host;
        _clients = clients;
        _telemetry = telemetry;
        _options = options.Value;
        _metrics = metrics;
        _limitMetrics = limitMetrics;
        _time = time;
        _lifetime = lifetime;
        _logger = logger;
    }

    private BrokerEngine Engine => _host.Engine;

    /// <summary>The engine's renewal of deliveries received with auto-renew, which translates the handles clients hold.</summary>
    private ReceiptRenewer Renewer => _host.Engine.Renewals;

    /// <summary>
    /// Binds the service's methods as generated, but with request marshallers that hand a body that does not decode to
    /// the handlers as a placeholder, so it is answered BAD_REQUEST like any other bad request (see
    /// <see cref="MalformedRequests"/>). grpc-dotnet finds this method through the attribute on the class.
    /// </summary>
    /// <param name="binder">grpc-dotnet's binder.</param>
    /// <param name="service">The service instance (null when grpc-dotnet binds by type). Typed as the generated base,
    /// which grpc-dotnet takes from this parameter as the type whose methods the handlers override.</param>
    public static void BindService(ServiceBinderBase binder, Apache.Rocketmq.V2.MessagingService.MessagingServiceBase? service) =>
        Apache.Rocketmq.V2.MessagingService.BindService(new LenientRequestBinder(binder, boundElsewhere: ReceiveMethodProvider.MethodName), service);

    /// <summary>
    /// Runs a unary call: requires the client id header, refreshes the client, and turns every failure into a
    /// status (engine refusals and malformed requests at debug level, unexpected exceptions as errors). A client that
    /// asks whether the broker serves the message stream is told in the response headers.
    /// </summary>
    private Task<TResponse> HandleAsync<TRequest, TResponse>(string rpc, TRequest request, ServerCallContext context,
        Func<TRequest, RequestContext, ValueTask<TResponse>> handler, Func<Status, TResponse> reply)
    {
        var metadata = ClientMetadata.From(context.RequestHeaders);
        if (metadata.ClientId is not { } clientId)
        {
            return Task.FromResult(reply(ClientIdRequired(rpc)));
        }

        if (metadata.AsksForStream && _options.EnableMessageStream)
        {
            context.GetHttpContext().Response.Headers.Append(ClientMetadata.StreamHeader, ClientMetadata.StreamVersion);
        }

        return HandleCoreAsync(rpc, request, new RequestContext(clientId, metadata, context), handler, reply).AsTask();
    }

    /// <summary>Runs one command of a call whose client is known: a unary call's, or a frame of the message stream.</summary>
    private async ValueTask<TResponse> HandleCoreAsync<TRequest, TResponse>(string rpc, TRequest request, RequestContext call,
        Func<TRequest, RequestContext, ValueTask<TResponse>> handler, Func<Status, TResponse> reply)
    {
        try
        {
            MalformedRequests.ThrowIfMalformed(request!);
            _clients.Touch(call.ClientId);
            return await handler(request, call).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return reply(StatusOf(rpc, ex, call));
        }
    }

    private Status ClientIdRequired(string rpc)
    {
        const string reason = "The x-mq-client-id header is required.";
        ServerLog.Refused(_logger, rpc, null, Code.ClientIdRequired, reason);
        return StatusFactory.Of(Code.ClientIdRequired, reason);
    }

    /// <summary>The status that reports <paramref name="exception"/> to the client of <paramref name="call"/> (a frame's command logs its own request id).</summary>
    private Status StatusOf(string rpc, Exception exception, RequestContext call) =>
        StatusOf(rpc, exception, call.Metadata, call.Call, call.Frame == 0 ? null : $"{call.Metadata.RequestId}/{call.Frame}");

    /// <summary>The status that reports <paramref name="exception"/> to the client.</summary>
    /// <param name="rpc">The call (or the stream command) that failed.</param>
    /// <param name="exception">What it threw.</param>
    /// <param name="metadata">The call's headers.</param>
    /// <param name="context">The call.</param>
    /// <param name="requestId">The request id to log, when not the call's own (a command of the message stream).</param>
    private Status StatusOf(string rpc, Exception exception, ClientMetadata metadata, ServerCallContext context, string? requestId = null)
    {
        switch (exception)
        {
            case BrokerException refused:
            {
                var code = StatusMapping.ToCode(refused.Code);
                ServerLog.Refused(_logger, rpc, metadata.ClientId, code, refused.Message);
                return StatusFactory.Of(code, refused.Message);
            }

            case RequestException invalid:
                ServerLog.Refused(_logger, rpc, metadata.ClientId, invalid.Code, invalid.Message);
                return StatusFactory.Of(invalid.Code, invalid.Message);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                ServerLog.ClientGone(_logger, rpc, metadata.ClientId);
                return StatusFactory.Of(Code.RequestTimeout, "The call was cancelled.");
            case OperationCanceledException when _lifetime.ApplicationStopping.IsCancellationRequested:
                return StatusFactory.Of(Code.InternalServerError, "The broker is shutting down.");
            default:
                ServerLog.Failed(_logger, exception, rpc, metadata.ClientId, requestId ?? metadata.RequestId);
                return StatusFactory.Of(Code.InternalError, $"Internal error ({exception.GetType().Name}); see the broker log.");
        }
    }

    /// <summary>The calling client and its call; for a command of the message stream, the id of its frame.</summary>
    private readonly record struct RequestContext(string ClientId, ClientMetadata Metadata, ServerCallContext Call, ulong Frame = 0);
}
