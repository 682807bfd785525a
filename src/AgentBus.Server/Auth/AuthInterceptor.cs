using AgentBus.Protocol;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Auth;

/// <summary>
/// Authenticates every MessagingService and AdminService call before its handler runs (registered for those services
/// only when <c>Server:Auth:Enabled</c>; gRPC health stays open). Any known user may call either service; there are no
/// roles yet. A MessagingService call that is not signed by a known user is answered with UNAUTHORIZED in the
/// response's status, as its handlers answer their refusals: a unary call returns it, a streaming call
/// (ReceiveMessage, Telemetry, PullMessage) writes one response carrying it and ends. An AdminService response has no
/// status, so its call ends with the gRPC status UNAUTHENTICATED instead.
/// </summary>
internal sealed class AuthInterceptor : Interceptor
{
    private readonly CredentialVerifier _verifier;
    private readonly ILogger<AuthInterceptor> _logger;

    public AuthInterceptor(CredentialVerifier verifier, ILogger<AuthInterceptor> logger)
    {
        _verifier = verifier;
        _logger = logger;
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation) =>
        Refusal(context) is { } refusal ? Task.FromResult(Reply<TResponse>(refusal)) : continuation(request, context);

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Refusal(context) is { } refusal ? Task.FromResult(Reply<TResponse>(refusal)) : continuation(requestStream, context);

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Refusal(context) is { } refusal ? WriteAsync(responseStream, Reply<TResponse>(refusal), context) : continuation(request, responseStream, context);

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Refusal(context) is { } refusal ? WriteAsync(responseStream, Reply<TResponse>(refusal), context) : continuation(requestStream, responseStream, context);

    /// <summary>Null when the call is authenticated, else the status refusing it (logged without secrets).</summary>
    private Status? Refusal(ServerCallContext context)
    {
        if (_verifier.Verify(context.RequestHeaders, out string? accessKey) is not { } reason)
        {
            return null;
        }

        string method = context.Method;
        string rpc = method[(method.LastIndexOf('/') + 1)..];
        ServerLog.Unauthenticated(_logger, rpc, ClientMetadata.From(context.RequestHeaders).ClientId, accessKey, reason);
        return StatusFactory.Of(Code.Unauthorized, reason);
    }

    private static TResponse Reply<TResponse>(Status status)
        where TResponse : class =>
        StatusReply<TResponse>.Create(status) ?? throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, StatusDetail.Bounded(status.Message)));

    private async Task WriteAsync<TResponse>(IServerStreamWriter<TResponse> stream, TResponse reply, ServerCallContext context)
        where TResponse : class
    {
        try
        {
            await stream.WriteAsync(reply).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            ServerLog.ClientGone(_logger, context.Method, null);
        }
    }
}
