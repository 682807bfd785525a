using AgentBus.Broker.Subscriptions;
using AgentBus.Protocol.Admin;
using Grpc.Core;

namespace AgentBus.Server.Services.Admin;

// Calls that change what the broker holds: a group's position, a lite topic's existence.
internal sealed partial class AdminService
{
    /// <inheritdoc />
    public override Task<ResetOffsetResponse> ResetOffset(ResetOffsetRequest request, ServerCallContext context) =>
        Handle(nameof(ResetOffset), context, () =>
        {
            var engine = _host.Engine;
            string parent = ParentTopic(request.ParentTopic);
            string liteTopic = LiteTopicName(request.LiteTopic, engine);
            string group = Group(request.ConsumerGroup) ?? throw Invalid("consumer_group is required.");
            var policy = request.Position switch
            {
                ResetPosition.Min => StartPolicy.Min,
                ResetPosition.Max => StartPolicy.Max,
                ResetPosition.Offset => StartPolicy.Offset,
                _ => throw Invalid($"position {request.Position} is not one of RESET_POSITION_MIN, RESET_POSITION_MAX, RESET_POSITION_OFFSET."),
            };
            var reset = engine.ResetLiteOffset(parent, liteTopic, group, policy, request.Offset);
            var response = new ResetOffsetResponse { CommittedOffset = reset.CommittedOffset, MinOffset = reset.MinOffset, MaxOffset = reset.MaxOffset };
            if (reset.PreviousOffset is { } previous)
            {
                response.PreviousOffset = previous;
            }

            return response;
        });

    /// <inheritdoc />
    public override Task<DeleteLiteTopicResponse> DeleteLiteTopic(DeleteLiteTopicRequest request, ServerCallContext context) =>
        Handle(nameof(DeleteLiteTopic), context, () =>
        {
            var engine = _host.Engine;
            string parent = ParentTopic(request.ParentTopic);
            return new DeleteLiteTopicResponse { DroppedMessages = engine.DeleteLiteTopic(parent, LiteTopicName(request.LiteTopic, engine)) };
        });
}
