using System.Threading.Channels;
using AgentBus;

namespace MultiAgentDemo.Team;

/// <summary>
/// The gateway's own small helper agent, run in the gateway's process: it files notes (one-way messages) and answers
/// a request for a receipt. It is started late on purpose, to show that messages wait for it, and it can be told to
/// hold a reply until the asking gateway is gone.
/// </summary>
internal sealed class Archivist
{
    /// <summary>The archivist's agent id in one run: its own inbox, so runs side by side on one broker never share it.</summary>
    public static string AgentIdFor(string runId) => $"archivist-{runId[..4]}";

    private readonly Channel<AgentEnvelope> _notes = Channel.CreateUnbounded<AgentEnvelope>();
    private readonly TaskCompletionSource<AgentEnvelope> _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _replied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    /// <summary>The archivist holds each reply until <see cref="Release"/> (true), or answers at once.</summary>
    public bool HoldReplies { get; init; }

    /// <summary>The notes it received, as they arrive.</summary>
    public ChannelReader<AgentEnvelope> Notes => _notes.Reader;

    /// <summary>Completes when a request reached the archivist's handler.</summary>
    public Task<AgentEnvelope> Requested => _requested.Task;

    /// <summary>Completes when the reply was sent (stored by the broker).</summary>
    public Task Replied => _replied.Task;

    /// <summary>How many requests the handler ran.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public void Release() => _release.TrySetResult();

    public async ValueTask HandleAsync(AgentContext context, CancellationToken ct)
    {
        if (!context.IsRequest)
        {
            await _notes.Writer.WriteAsync(context.Envelope, ct).ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _requests);
        _requested.TrySetResult(context.Envelope);
        if (HoldReplies)
        {
            await _release.Task.WaitAsync(ct).ConfigureAwait(false);
        }

        await context.ReplyAsync($"Receipt for request {context.Envelope.RequestId}: '{context.GetBody<string>()}' is filed.", ct).ConfigureAwait(false);
        _replied.TrySetResult();
    }
}
