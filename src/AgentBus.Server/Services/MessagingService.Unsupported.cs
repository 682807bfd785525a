using AgentBus.Protocol;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    private const string PullNotImplemented = "Pull consumers are not supported by this broker; use a push, simple or lite consumer.";

    /// <inheritdoc />
    public override async Task PullMessage(PullMessageRequest request, IServerStreamWriter<PullMessageResponse> responseStream, ServerCallContext context)
    {
        try
        {
            await responseStream.WriteAsync(new PullMessageResponse { Status = NotImplemented(nameof(PullMessage), PullNotImplemented) }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            ServerLog.ClientGone(_logger, nameof(PullMessage), null);
        }
    }

    /// <inheritdoc />
    public override Task<UpdateOffsetResponse> UpdateOffset(UpdateOffsetRequest request, ServerCallContext context) =>
        Task.FromResult(new UpdateOffsetResponse { Status = NotImplemented(nameof(UpdateOffset), PullNotImplemented) });

    /// <inheritdoc />
    public override Task<GetOffsetResponse> GetOffset(GetOffsetRequest request, ServerCallContext context) =>
        Task.FromResult(new GetOffsetResponse { Status = NotImplemented(nameof(GetOffset), PullNotImplemented) });

    /// <inheritdoc />
    public override Task<QueryOffsetResponse> QueryOffset(QueryOffsetRequest request, ServerCallContext context) =>
        Task.FromResult(new QueryOffsetResponse { Status = NotImplemented(nameof(QueryOffset), PullNotImplemented) });

    /// <inheritdoc />
    public override Task<EndTransactionResponse> EndTransaction(EndTransactionRequest request, ServerCallContext context) =>
        Task.FromResult(new EndTransactionResponse { Status = NotImplemented(nameof(EndTransaction), "Transactional messages are not supported by this broker.") });

    /// <inheritdoc />
    public override Task<RecallMessageResponse> RecallMessage(RecallMessageRequest request, ServerCallContext context) =>
        Task.FromResult(new RecallMessageResponse { Status = NotImplemented(nameof(RecallMessage), "Delay messages, and so recalling them, are not supported by this broker.") });

    private Status NotImplemented(string rpc, string reason)
    {
        ServerLog.Refused(_logger, rpc, null, Code.NotImplemented, reason);
        return StatusFactory.Of(Code.NotImplemented, reason);
    }
}
