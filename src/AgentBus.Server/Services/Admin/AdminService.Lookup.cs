using AgentBus.Broker;
using AgentBus.Broker.Lookup;
using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace AgentBus.Server.Services.Admin;

// Stored messages found by message id or key through the engine's message index.
internal sealed partial class AdminService
{
    /// <inheritdoc />
    public override Task<LookupMessagesResponse> LookupMessages(LookupMessagesRequest request, ServerCallContext context) =>
        Handle(nameof(LookupMessages), context, () =>
        {
            if ((request.MessageId.Length == 0) == (request.Key.Length == 0))
            {
                throw Invalid("Give message_id or key, exactly one of them.");
            }

            if (request.Topic.Length > 0)
            {
                NameRules.ValidateTopic(request.Topic);
            }

            int limit = request.MaxMessages == 0 ? DefaultPageSize
                : request.MaxMessages is > 0 and <= BrokerEngine.MaxLookupCount ? request.MaxMessages
                : throw Invalid($"max_messages {request.MaxMessages} is out of range: 1..{BrokerEngine.MaxLookupCount}, or 0 for {DefaultPageSize}.");
            var query = new MessageLookupQuery(
                MessageId: request.MessageId.Length > 0 ? request.MessageId : null,
                Key: request.Key.Length > 0 ? request.Key : null,
                Topic: request.Topic.Length > 0 ? request.Topic : null,
                StoredFrom: Time(request.StartTime, "start_time"),
                StoredTo: Time(request.EndTime, "end_time"),
                Limit: limit);
            var found = _host.Engine.LookupMessages(query);
            var response = new LookupMessagesResponse { Truncated = found.Truncated };
            if (found.IndexedSince is { } since)
            {
                response.IndexedSince = Timestamp.FromDateTimeOffset(since);
            }

            response.Messages.AddRange(Peeked(found.Messages, context));
            return response;
        });

    private static DateTimeOffset? Time(Timestamp? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        // 0001-01-01 .. 9999-12-31, nanos within a second: what Timestamp allows.
        if (value.Seconds is < -62_135_596_800 or > 253_402_300_799 || value.Nanos is < 0 or > 999_999_999)
        {
            throw Invalid($"{field} is not a valid timestamp.");
        }

        return value.ToDateTimeOffset();
    }
}
