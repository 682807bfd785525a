using System.Collections.Concurrent;
using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming;
using AgentBus.Client.Errors;
using AgentBus.Client.Producing;
using Apache.Rocketmq.V2;
using Grpc.Core;
using AdminServiceClient = AgentBus.Protocol.Admin.AdminService.AdminServiceClient;
using MessagingServiceClient = Apache.Rocketmq.V2.MessagingService.MessagingServiceClient;

namespace AgentBus.Client.Transport;

/// <summary>
/// Makes the calls of one client: picks the connection of an endpoint (one per endpoint, shared by every call), adds
/// the transport headers and deadline, and turns gRPC failures into <see cref="ClientException"/>s.
/// </summary>
internal sealed class RpcInvoker : IDisposable
{
    /// <summary>The AgentBus header asking whether the broker serves the message stream, and its answer.</summary>
    private const string StreamHeader = "agentbus-stream";

    private const string StreamVersion = "v1";

    private readonly ConcurrentDictionary<string, RpcEndpoint> _endpoints = new(StringComparer.Ordinal);
    private readonly RequestHeaders _headers;
    private readonly ClientConfiguration _configuration;

    public RpcInvoker(ClientConfiguration configuration, string clientId)
    {
        _configuration = configuration;
        _headers = new RequestHeaders(clientId, configuration.Namespace, configuration.Credentials, configuration.TimeProvider);
        AccessPoint = Transport.AccessPoint.Parse(configuration.Endpoints);
    }

    /// <summary>The configured access point.</summary>
    public AccessPoint AccessPoint { get; }

    /// <summary>The connection to an endpoint (the access point or a route's broker).</summary>
    public RpcEndpoint Endpoint(AccessPoint? accessPoint = null)
    {
        var target = accessPoint ?? AccessPoint;
        return _endpoints.GetOrAdd(target.Facade, static (_, state) =>
            new RpcEndpoint(state.target, state.configuration.EnableTls, state.configuration.RequestTimeout,
                state.configuration.RemoteCertificateValidationCallback, state.configuration.KeepAliveInterval, state.configuration.KeepAliveTimeout),
            (target, configuration: _configuration));
    }

    /// <summary>
    /// Runs a unary call with the transport headers and a deadline of <paramref name="timeout"/>. With
    /// <paramref name="status"/>, a response whose status is not OK throws the typed exception, carrying the call's
    /// request id.
    /// </summary>
    public Task<TResponse> UnaryAsync<TRequest, TResponse>(RpcEndpoint endpoint, TRequest request,
        Func<MessagingServiceClient, TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, TimeSpan timeout, CancellationToken ct,
        Func<TResponse, Apache.Rocketmq.V2.Status?>? status = null) =>
        CallAsync(endpoint, endpoint.Client, request, call, status, endpoint.MessageStreamOffer == StreamOffer.Unknown, timeout, ct);

    /// <summary>
    /// Sends a batch: as a frame of the message stream when the broker offers it, else as the SendMessage call. Either
    /// way a response whose status is not OK throws the typed exception.
    /// </summary>
    public Task<SendMessageResponse> SendAsync(RpcEndpoint endpoint, OutgoingBatch batch, TimeSpan timeout, CancellationToken ct) =>
        StreamOf(endpoint) is { } stream
            ? stream.CallAsync<SendMessageResponse>(OutgoingFrame.Send, batch, static r => r.Status, timeout, ct)
            : UnaryAsync(endpoint, batch, static (c, r, o) => ((BrokerClient)c).SendBatch(r, o), timeout, ct, static r => r.Status);

    /// <summary>Acknowledges over the message stream when the broker offers it, else with the AckMessage call.</summary>
    public Task<AckOutcome> AckAsync(RpcEndpoint endpoint, AckMessageRequest request, Func<AckOutcome, Apache.Rocketmq.V2.Status?>? status,
        TimeSpan timeout, CancellationToken ct) =>
        StreamOf(endpoint) is { } stream
            ? stream.CallAsync(OutgoingFrame.Ack, request, status, timeout, ct)
            : UnaryAsync(endpoint, request, static (c, r, o) => ((BrokerClient)c).AckDecoded(r, o), timeout, ct, status);

    /// <summary>Changes a delivery's invisibility over the message stream when the broker offers it, else with its call.</summary>
    public Task<ChangeInvisibleDurationResponse> ChangeInvisibleDurationAsync(RpcEndpoint endpoint, ChangeInvisibleDurationRequest request,
        TimeSpan timeout, CancellationToken ct) =>
        StreamOf(endpoint) is { } stream
            ? stream.CallAsync<ChangeInvisibleDurationResponse>(OutgoingFrame.ChangeInvisibleDuration, request, static r => r.Status, timeout, ct)
            : UnaryAsync(endpoint, request, static (c, r, o) => c.ChangeInvisibleDurationAsync(r, o), timeout, ct, static r => r.Status);

    private MessageStreamClient? StreamOf(RpcEndpoint endpoint) =>
        endpoint.MessageStreamOffer == StreamOffer.Offered ? endpoint.MessageStream(() => (_headers.Create(out string requestId), requestId)) : null;

    /// <summary>
    /// Runs a unary call of the AgentBus admin API (<c>agentbus.v1.AdminService</c>) with the same headers, deadline,
    /// failover and exceptions as <see cref="UnaryAsync{TRequest, TResponse}"/>. Its responses carry no status: its
    /// refusals are gRPC status codes, which <see cref="StatusChecker.FromRpc"/> turns into the typed exceptions.
    /// </summary>
    public Task<TResponse> AdminUnaryAsync<TRequest, TResponse>(RpcEndpoint endpoint, TRequest request,
        Func<AdminServiceClient, TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, TimeSpan timeout, CancellationToken ct) =>
        CallAsync(endpoint, endpoint.Admin, request, call, status: null, askForStream: false, timeout, ct);

    private async Task<TResponse> CallAsync<TClient, TRequest, TResponse>(RpcEndpoint endpoint, TClient client, TRequest request,
        Func<TClient, TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, Func<TResponse, Apache.Rocketmq.V2.Status?>? status,
        bool askForStream, TimeSpan timeout, CancellationToken ct)
        where TClient : ClientBase
    {
        var options = Options(timeout, ct, out string requestId);
        askForStream &= _configuration.EnableMessageStream;
        if (askForStream)
        {
            options.Headers!.Add(StreamHeader, StreamVersion);
        }

        TResponse response;
        try
        {
            using var pending = call(client, request, options);
            response = await pending.ResponseAsync.ConfigureAwait(false);
            if (askForStream)
            {
                // An AgentBus broker says in the response headers that it serves the message stream; others say nothing.
                var headers = await pending.ResponseHeadersAsync.ConfigureAwait(false);
                endpoint.MessageStreamOffer = headers.GetValue(StreamHeader) == StreamVersion ? StreamOffer.Offered : StreamOffer.NotOffered;
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException(ct);
        }
        catch (RpcException ex)
        {
            if (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                endpoint.Failover(client);
            }

            throw StatusChecker.FromRpc(ex, requestId);
        }

        if (status is not null)
        {
            StatusChecker.Check(status(response), requestId);
        }

        return response;
    }

    /// <summary>
    /// Call options with fresh headers (request id returned) and a deadline. Calls wait for the connection to be ready
    /// (bounded by the deadline) rather than failing at once while the channel reconnects, e.g. during a broker restart.
    /// </summary>
    public CallOptions Options(TimeSpan timeout, CancellationToken ct, out string requestId)
    {
        var headers = _headers.Create(out requestId);
        DateTime? deadline = timeout == Timeout.InfiniteTimeSpan ? null : DateTime.UtcNow + timeout;
        return new CallOptions(headers, deadline, ct).WithWaitForReady();
    }

    public void Dispose()
    {
        foreach (var endpoint in _endpoints.Values)
        {
            endpoint.Dispose();
        }

        _endpoints.Clear();
    }
}
