using AgentBus.Protocol.Stream;
using AgentBus.Server.Auth;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Mapping;
using Grpc.Core;

namespace AgentBus.Server.Services;

/// <summary>
/// <c>agentbus.v1.MessageStream</c>: a client's sends and settlements as frames of one long-lived call, each handled by
/// the MessagingService handler of its call (see <see cref="MessagingService.ServeStreamAsync"/>). When authentication
/// is on, the stream is authenticated when it opens and each command is authorized under the user's current
/// permissions, as its own call would be.
/// </summary>
[BindServiceMethod(typeof(MessageStreamService), nameof(BindService))]
internal sealed class MessageStreamService : MessageStream.MessageStreamBase
{
    private readonly MessagingService _messaging;
    private readonly Authorizer _authorizer;
    private readonly AccessPolicyMonitor _policy;
    private readonly ILogger<MessageStreamService> _logger;

    public MessageStreamService(MessagingService messaging, Authorizer authorizer, AccessPolicyMonitor policy, ILogger<MessageStreamService> logger)
    {
        _messaging = messaging;
        _authorizer = authorizer;
        _policy = policy;
        _logger = logger;
    }

    /// <summary>
    /// Binds nothing itself: <see cref="MessageStreamMethodProvider"/> binds Open with the broker's own frame decoder.
    /// The attribute stays for what reads it from the generated base (reflection).
    /// </summary>
    /// <param name="binder">grpc-dotnet's binder.</param>
    /// <param name="service">The service instance (null when grpc-dotnet binds by type).</param>
    public static void BindService(ServiceBinderBase binder, MessageStream.MessageStreamBase? service) =>
        MessageStream.BindService(new LenientRequestBinder(binder, boundElsewhere: MessageStreamMethodProvider.MethodName), service);

    /// <summary>Serves one client's stream (see <see cref="MessagingService.ServeStreamAsync"/>).</summary>
    internal Task OpenAsync(IAsyncStreamReader<IncomingFrame> requestStream, IServerStreamWriter<StreamReply> responseStream, ServerCallContext context)
    {
        Func<string, object, string?>? authorize = null;
        if (context.UserState.TryGetValue(AuthInterceptor.AccessKeyState, out object? key) && key is string accessKey)
        {
            string? clientId = ClientMetadata.ClientIdOf(context.RequestHeaders);
            authorize = (rpc, request) => Authorize(accessKey, clientId, rpc, request);
        }

        return _messaging.ServeStreamAsync(requestStream, responseStream, context, authorize);
    }

    private string? Authorize(string accessKey, string? clientId, string rpc, object request)
    {
        string? reason = _policy.Current.Users.TryGetValue(accessKey, out var identity)
            ? _authorizer.CheckRequest(identity, clientId, request)
            : $"The user {accessKey} is no longer known to the broker.";
        if (reason is not null)
        {
            ServerLog.Forbidden(_logger, rpc, clientId, accessKey, reason);
        }

        return reason;
    }
}
