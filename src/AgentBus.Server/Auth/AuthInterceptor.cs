using AgentBus.Protocol;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Hosting;
using Microsoft.Extensions.Options;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Auth;

/// <summary>
/// Authenticates and authorizes every MessagingService and AdminService call before its handler runs (registered for
/// those services only when <c>Server:Auth:Enabled</c>; gRPC health stays open). A call not signed by a known user is
/// refused with UNAUTHORIZED; a signed call whose client id belongs to another user, or that its user's permissions
/// do not cover (see <see cref="Authorizer"/>), with FORBIDDEN. A MessagingService refusal travels in the response's
/// status, as its handlers answer theirs: a unary call returns it, a streaming call (ReceiveMessage, Telemetry,
/// PullMessage) writes one response carrying it and ends. An AdminService response has no status, so its call ends
/// with the gRPC status UNAUTHENTICATED or PERMISSION_DENIED instead.
/// </summary>
internal sealed class AuthInterceptor : Interceptor
{
    private readonly CredentialVerifier _verifier;
    private readonly Authorizer _authorizer;
    private readonly ILogger<AuthInterceptor> _logger;

    private readonly bool _requireTls;

    /// <summary>The <see cref="ServerCallContext.UserState"/> key of the authenticated call's access key.</summary>
    public const string AccessKeyState = "agentbus.access-key";

    private const string MessageStreamPath = "/agentbus.v1.MessageStream/";

    public AuthInterceptor(CredentialVerifier verifier, Authorizer authorizer, IOptions<ServerOptions> options, ILogger<AuthInterceptor> logger)
    {
        _requireTls = options.Value.Auth.RequireTls;
        _verifier = verifier;
        _authorizer = authorizer;
        _logger = logger;
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation) =>
        Refusal(context, request) is { } refusal ? Task.FromResult(Reply<TResponse>(refusal)) : continuation(request, context);

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Refusal(context, null) is { } refusal ? Task.FromResult(Reply<TResponse>(refusal)) : continuation(requestStream, context);

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Refusal(context, request) is { } refusal ? RefusalWriter.WriteAsync(responseStream, Reply<TResponse>(refusal), context, _logger) : continuation(request, responseStream, context);

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Refusal(context, null) is { } refusal ? RefusalWriter.WriteAsync(responseStream, Reply<TResponse>(refusal), context, _logger) : continuation(requestStream, responseStream, context);

    /// <summary>
    /// Null when the call may go on, else the status refusing it (logged without secrets). A streamed request
    /// (Telemetry) is checked for its client id only: its commands carry settings, not resources.
    /// </summary>
    private Status? Refusal(ServerCallContext context, object? request)
    {
        string? clientId = ClientMetadata.ClientIdOf(context.RequestHeaders);
        if (_requireTls && !context.GetHttpContext().Request.IsHttps)
        {
            // Refused before the credentials are looked at: they have already crossed the network in the clear.
            const string cleartext = "Signed calls are accepted over TLS only (Server:Auth:RequireTls); connect with TLS.";
            ServerLog.Unauthenticated(_logger, Rpc(context), clientId, null, cleartext);
            return StatusFactory.Of(Code.Unauthorized, cleartext);
        }

        if (_verifier.Verify(context.RequestHeaders, out var identity, out string? accessKey) is { } reason)
        {
            ServerLog.Unauthenticated(_logger, Rpc(context), clientId, accessKey, reason);
            return StatusFactory.Of(Code.Unauthorized, reason);
        }

        // The message stream authorizes each of its commands as its own call, under the user's current permissions
        // (other calls are authorized here, whole, and need no state).
        if (context.Method.StartsWith(MessageStreamPath, StringComparison.Ordinal))
        {
            context.UserState[AccessKeyState] = identity!.AccessKey;
        }

        string? forbidden = _authorizer.CheckClient(identity!, clientId)
            ?? (request is null ? null : _authorizer.CheckRequest(identity!, clientId, request));
        if (forbidden is null)
        {
            return null;
        }

        ServerLog.Forbidden(_logger, Rpc(context), clientId, identity!.AccessKey, forbidden);
        return StatusFactory.Of(Code.Forbidden, forbidden);
    }

    private static string Rpc(ServerCallContext context) => context.Method[(context.Method.LastIndexOf('/') + 1)..];

    private static TResponse Reply<TResponse>(Status status)
        where TResponse : class =>
        StatusReply<TResponse>.Create(status) ?? throw new RpcException(new Grpc.Core.Status(
            status.Code == Code.Forbidden ? StatusCode.PermissionDenied : StatusCode.Unauthenticated, StatusDetail.Bounded(status.Message)));

}
