using System.Threading.Channels;
using AgentBus.Envelopes;

namespace AgentBus.Replies;

/// <summary>
/// The receiving end of one streamed reply (its own lite topic): chunks arrive in a bounded channel, so a slow
/// reader holds back delivery of that stream only; the reader puts them in sequence order, drops duplicates and
/// stops at the end marker.
/// </summary>
internal sealed class StreamReader(string requestId, string liteTopic, long afterSequence)
{
    private readonly Channel<ReceivedReply> _arrived = Channel.CreateBounded<ReceivedReply>(new BoundedChannelOptions(256)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly SortedDictionary<long, ReceivedReply> _early = [];
    private long _next = afterSequence + 1;

    public string RequestId { get; } = requestId;

    public string LiteTopic { get; } = liteTopic;

    /// <summary>The last sequence handed to the reader.</summary>
    public long LastSequence => _next - 1;

    /// <summary>Called by the consumer's listener; waits while the reader is behind.</summary>
    public ValueTask WriteAsync(ReceivedReply reply, CancellationToken ct) => _arrived.Writer.WriteAsync(reply, ct);

    /// <summary>Ends the stream from the receiving side (the reader gets <paramref name="error"/>, or a normal end).</summary>
    public void Abort(Exception error) => _arrived.Writer.TryComplete(error);

    /// <summary>The next chunk or end marker in sequence, or null when the channel closed.</summary>
    public async ValueTask<ReceivedReply?> NextAsync(CancellationToken ct)
    {
        while (true)
        {
            if (_early.Remove(_next, out var buffered))
            {
                _next++;
                return buffered;
            }

            if (!await _arrived.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }

            while (_arrived.Reader.TryRead(out var reply))
            {
                long seq = reply.Sequence ?? -1;
                if (reply.Envelope.Kind == MessageKind.Error && seq < 0)
                {
                    return reply;
                }

                if (seq == _next)
                {
                    _next++;
                    return reply;
                }

                if (seq > _next)
                {
                    _early.TryAdd(seq, reply);
                }

                // Below _next: a duplicate (a redelivery, or a resumed stream's overlap): skipped.
            }
        }
    }
}
