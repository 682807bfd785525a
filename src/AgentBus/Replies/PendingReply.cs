namespace AgentBus.Replies;

/// <summary>One request waiting for its reply: registered before the request is sent, removed when the caller stops waiting.</summary>
internal sealed class PendingReply(string requestId, string peer)
{
    private readonly TaskCompletionSource<ReceivedReply> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string RequestId { get; } = requestId;

    public string Peer { get; } = peer;

    public Task<ReceivedReply> Reply => _reply.Task;

    public bool TryComplete(ReceivedReply reply) => _reply.TrySetResult(reply);

    public void Fail(Exception error) => _reply.TrySetException(error);
}
