using System.Runtime.CompilerServices;
using AgentBus.Client.Configuration;
using AgentBus.Client.Errors;
using AgentBus.Client.Messages;
using AgentBus.Client.Transport;
using AgentBus.Protocol.Admin;
using Grpc.Core;

namespace AgentBus.Client.Admin;

/// <summary>
/// Calls of the AgentBus broker's admin API (<c>agentbus.v1.AdminService</c>) with a client's connection settings:
/// the endpoints (and their failover), TLS with its certificate check, the signed credentials, the namespace header
/// and the request timeout, through the transport every producer and consumer uses. It has a connection of its own;
/// dispose it to close that. Failures are the client's typed exceptions: the admin API's gRPC status codes as
/// <see cref="StatusChecker.FromRpc"/> maps them, and <see cref="UnsupportedException"/> from a broker without the
/// admin API (an Apache RocketMQ proxy).
/// </summary>
internal sealed class BrokerAdmin : IDisposable
{
    private readonly RpcInvoker _invoker;
    private readonly TimeSpan _timeout;

    /// <summary>Prepares the calls; the connection opens on the first one.</summary>
    /// <param name="configuration">The client configuration to connect with (as a <see cref="ClientServiceProvider"/> holds it).</param>
    public BrokerAdmin(ClientConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        _invoker = new RpcInvoker(configuration, ClientIdentity.NewClientId());
        _timeout = configuration.RequestTimeout;
    }

    /// <summary>
    /// Every lite topic matching <paramref name="query"/>, in name order, fetched a page at a time: the query is sent
    /// with each page's token in turn (its own <c>page_token</c> is where the listing starts).
    /// </summary>
    /// <param name="query">Parent topic, prefix, page size, subscribed-only and consumer group of every page.</param>
    /// <param name="ct">Cancels the listing.</param>
    /// <returns>The lite topics, as the pages arrive.</returns>
    /// <exception cref="UnsupportedException">The broker does not serve the admin API.</exception>
    /// <exception cref="ClientException">The broker refused the query (<see cref="BadRequestException"/>, <see cref="NotFoundException"/>, ...).</exception>
    public async IAsyncEnumerable<LiteTopic> ListLiteTopicsAsync(ListLiteTopicsRequest query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var request = query.Clone();
        do
        {
            var page = await CallAsync(request, static (admin, r, options) => admin.ListLiteTopicsAsync(r, options), ct).ConfigureAwait(false);
            foreach (var liteTopic in page.LiteTopics)
            {
                yield return liteTopic;
            }

            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
    }

    /// <summary>
    /// Stored messages of one lite topic from an offset on, read without consuming them (<c>PeekLiteTopic</c>). The
    /// messages carry no receipt handle; <see cref="MessageView.Offset"/> is each one's offset in the lite topic.
    /// </summary>
    /// <param name="request">Parent topic, lite topic, first offset and page size.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The messages, the lite topic's offsets and where the next read continues.</returns>
    /// <exception cref="UnsupportedException">The broker does not serve the admin API.</exception>
    /// <exception cref="ClientException">The broker refused the request.</exception>
    public async Task<PeekedMessages> PeekLiteTopicAsync(PeekLiteTopicRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await CallAsync(request, static (admin, r, options) => admin.PeekLiteTopicAsync(r, options), ct).ConfigureAwait(false);
        var messages = new MessageView[response.Messages.Count];
        for (int i = 0; i < messages.Length; i++)
        {
            messages[i] = MessageView.From(response.Messages[i], queue: null, _invoker.AccessPoint);
        }

        return new PeekedMessages(messages, response.MinOffset, response.MaxOffset, response.NextOffset);
    }

    /// <inheritdoc />
    public void Dispose() => _invoker.Dispose();

    /// <summary>Runs any admin call with this connection's headers, deadline and typed exceptions.</summary>
    internal async Task<TResponse> CallAsync<TRequest, TResponse>(TRequest request,
        Func<AdminService.AdminServiceClient, TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken ct)
    {
        var endpoint = _invoker.Endpoint();
        try
        {
            return await _invoker.AdminUnaryAsync(endpoint, request, call, _timeout, ct).ConfigureAwait(false);
        }
        catch (UnsupportedException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Unimplemented })
        {
            throw new UnsupportedException(ex.Code,
                $"The broker at {endpoint.AccessPoint} does not serve the AgentBus admin API (agentbus.v1.AdminService): it is not an AgentBus broker (an Apache RocketMQ proxy has none), or its Server:EnableAdminService is off.",
                ex.RequestId, ex);
        }
    }
}
