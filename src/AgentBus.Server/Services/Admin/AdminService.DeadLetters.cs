using AgentBus.Broker;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Mapping;
using Grpc.Core;
using GrpcStatus = Grpc.Core.Status;

namespace AgentBus.Server.Services.Admin;

// A group's dead-letter topic: read it, replay it to where the messages came from, purge it.
internal sealed partial class AdminService
{
    /// <inheritdoc />
    public override Task<ListDeadLettersResponse> ListDeadLetters(ListDeadLettersRequest request, ServerCallContext context) =>
        Handle(nameof(ListDeadLetters), context, () =>
        {
            if (request.FromOffset < 0)
            {
                throw Invalid($"from_offset {request.FromOffset} is negative.");
            }

            var page = _host.Engine.PeekDeadLetters(RequiredGroup(request.ConsumerGroup), request.FromOffset, Count(request.MaxMessages));
            string resourceNamespace = ClientMetadata.From(context.RequestHeaders).Namespace;
            string storeHost = context.GetHttpContext().Request.Host.Value ?? "";
            var response = new ListDeadLettersResponse { FirstPending = page.FirstPending, MaxOffset = page.MaxOffset, NextOffset = page.NextOffset };
            foreach (var record in page.Messages)
            {
                response.Messages.Add(MessageMapper.ToProto(record, resourceNamespace, storeHost));
            }

            return response;
        });

    /// <inheritdoc />
    public override Task<ReplayDeadLettersResponse> ReplayDeadLetters(ReplayDeadLettersRequest request, ServerCallContext context) =>
        // The replay sends, which may wait for a flush: the one asynchronous call.
        HandleAsync(nameof(ReplayDeadLetters), context, async () =>
        {
            var (replayed, remaining) = await _host.Engine.ReplayDeadLettersAsync(RequiredGroup(request.ConsumerGroup), Count(request.MaxMessages),
                context.CancellationToken).ConfigureAwait(false);
            return new ReplayDeadLettersResponse { Replayed = replayed, Remaining = remaining };
        });

    /// <inheritdoc />
    public override Task<PurgeDeadLettersResponse> PurgeDeadLetters(PurgeDeadLettersRequest request, ServerCallContext context) =>
        Handle(nameof(PurgeDeadLetters), context, () =>
            new PurgeDeadLettersResponse { Purged = _host.Engine.PurgeDeadLetters(RequiredGroup(request.ConsumerGroup)) });

    private static string RequiredGroup(string group) => Required(group, "consumer_group", NameRules.ValidateGroup);

    private static int Count(int maxMessages) =>
        maxMessages == 0 ? DefaultPageSize
        : maxMessages is > 0 and <= BrokerEngine.MaxPeekCount ? maxMessages
        : throw Invalid($"max_messages {maxMessages} is out of range: 1..{BrokerEngine.MaxPeekCount}, or 0 for {DefaultPageSize}.");
}
