using System.Threading.Channels;
using AgentBus.Envelopes;

namespace AgentBus.Replies;

/// <summary>
/// The receiving end of one streamed reply (its own lite topic, held in the exclusive session group, so that the
/// newest reader of a stream, on any instance, is its only one): chunks arrive in a bounded channel, so a slow
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

    /// <summary>The session consumer holding this stream's subscription.</summary>
    public Client.Lite.LitePushConsumer? Consumer { get; set; }

    /// <summary>Whether another instance took the stream over (then the broker already removed the subscription).</summary>
    public bool TakenOver { get; private set; }

    /// <summary>
    /// Called by the consumer's listener with a message of the stream's topic (a packed chunk message is split into its
    /// chunks); waits while the reader is behind. False when a packed body does not hold the chunks it announces.
    /// </summary>
    public async ValueTask<bool> DeliverAsync(AgentEnvelope envelope, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        try
        {
            if (envelope.ChunkCount == 1)
            {
                await _arrived.Writer.WriteAsync(new ReceivedReply(envelope, body), ct).ConfigureAwait(false);
                return true;
            }

            var chunks = new List<ReadOnlyMemory<byte>>(envelope.ChunkCount);
            if (!ChunkPacking.TryUnpack(body, envelope.ChunkCount, chunks))
            {
                return false;
            }

            long first = envelope.Sequence!.Value;
            for (int i = 0; i < chunks.Count; i++)
            {
                await _arrived.Writer.WriteAsync(new ReceivedReply(envelope, chunks[i]) { Sequence = first + i }, ct).ConfigureAwait(false);
            }
        }
        catch (ChannelClosedException)
        {
            // The reader stopped: the chunks stay in the request's lite topic for a later resume.
        }

        return true;
    }

    /// <summary>Another instance opened the stream: this reader ends with an error saying so.</summary>
    public void TakeOver()
    {
        TakenOver = true;
        Abort(new AgentBusException($"The stream of request {RequestId} is now read by another instance; resume it there, or here again with ResumeStreamAsync."));
    }

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
