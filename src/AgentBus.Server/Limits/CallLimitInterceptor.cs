using AgentBus.Protocol;
using AgentBus.Server.Auth;
using AgentBus.Server.Clients;
using AgentBus.Server.Hosting;
using AgentBus.Server.Metrics;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Limits;

/// <summary>
/// The per-call limits of the MessagingService, checked before authentication and before the handler reads anything:
/// request headers above <see cref="ServerOptions.MaxRequestHeadersSize"/> are refused with
/// REQUEST_HEADER_FIELDS_TOO_LARGE, and a client's ReceiveMessage beyond
/// <see cref="ServerOptions.MaxPendingReceivesPerClient"/> open ones with TOO_MANY_REQUESTS. A refusal travels in the
/// response's status, as the handlers answer theirs; it is a caller's doing, so it is logged at Debug and counted in
/// <c>agentbus.requests.refused</c>.
/// </summary>
internal sealed class CallLimitInterceptor : Interceptor
{
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(1);

    private readonly int _maxHeaders;
    private readonly int _maxPendingReceives;
    private readonly PendingReceives _pending;
    private readonly LimitMetrics _metrics;
    private readonly ILogger<CallLimitInterceptor> _logger;

    public CallLimitInterceptor(IOptions<ServerOptions> options, PendingReceives pending, LimitMetrics metrics, ILogger<CallLimitInterceptor> logger)
    {
        _maxHeaders = options.Value.MaxRequestHeadersSize;
        _maxPendingReceives = options.Value.MaxPendingReceivesPerClient;
        _pending = pending;
        _metrics = metrics;
        _logger = logger;
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation) =>
        HeaderRefusal(context) is { } refusal && StatusReply<TResponse>.Create(refusal) is { } reply
            ? Task.FromResult(reply)
            : continuation(request, context);

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        HeaderRefusal(context) is { } refusal && StatusReply<TResponse>.Create(refusal) is { } reply
            ? Task.FromResult(reply)
            : continuation(requestStream, context);

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (HeaderRefusal(context) is { } refusal && StatusReply<TResponse>.Create(refusal) is { } reply)
        {
            await RefusalWriter.WriteAsync(responseStream, reply, context, _logger).ConfigureAwait(false);
            return;
        }

        // Only ReceiveMessage holds a call open waiting for messages; a call without a client id is refused by its handler.
        if (!context.Method.EndsWith("/ReceiveMessage", StringComparison.Ordinal) || ClientMetadata.ClientIdOf(context.RequestHeaders) is not { } clientId)
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }

        if (!_pending.TryEnter(clientId, _maxPendingReceives))
        {
            string reason = $"Client {clientId} already has {_maxPendingReceives} ReceiveMessage calls open, the limit " +
                "(Server:MaxPendingReceivesPerClient); receive again once one of them has ended.";
            var busy = StatusReply<TResponse>.Create(Refuse(context, clientId, Code.TooManyRequests, reason, LimitMetrics.TooManyPendingReceives))
                ?? throw new RpcException(new Grpc.Core.Status(StatusCode.ResourceExhausted, reason));
            await RefusalWriter.WriteAsync(responseStream, busy, context, _logger).ConfigureAwait(false);
            return;
        }

        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        finally
        {
            _pending.Exit(clientId);
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (HeaderRefusal(context) is { } refusal && StatusReply<TResponse>.Create(refusal) is { } reply)
        {
            await RefusalWriter.WriteAsync(responseStream, reply, context, _logger).ConfigureAwait(false);
            // Read what the client already sent before the call ends, so the end is a clean one for its connection.
            await DrainAsync(requestStream, context.CancellationToken).ConfigureAwait(false);
            return;
        }

        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private Status? HeaderRefusal(ServerCallContext context)
    {
        long size = ClientMetadata.SizeOf(context.RequestHeaders);
        if (size <= _maxHeaders)
        {
            return null;
        }

        // The client id is not quoted: it may be what made the headers too large.
        string reason = $"The call's headers take {size} bytes; the broker takes at most {_maxHeaders} (Server:MaxRequestHeadersSize).";
        return Refuse(context, null, Code.RequestHeaderFieldsTooLarge, reason, LimitMetrics.HeadersTooLarge);
    }

    private Status Refuse(ServerCallContext context, string? clientId, Code code, string reason, string limit)
    {
        _metrics.Refused(limit);
        ServerLog.Refused(_logger, context.Method[(context.Method.LastIndexOf('/') + 1)..], clientId, code, reason);
        return StatusFactory.Of(code, reason);
    }


    private static async Task DrainAsync<TRequest>(IAsyncStreamReader<TRequest> requestStream, CancellationToken cancellationToken)
    {
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(DrainTime);
        try
        {
            // Bounded by the count and the time.
            for (int read = 0; read < 64 && await requestStream.MoveNext(drain.Token).ConfigureAwait(false); read++)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or RpcException
            or Google.Protobuf.InvalidProtocolBufferException)
        {
            // The client went away, sent something unreadable, or kept the stream open: the refusal stands either way.
        }
    }
}
