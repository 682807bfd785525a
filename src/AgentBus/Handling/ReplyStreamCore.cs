using System.Threading.Channels;
using AgentBus.Client.Messages;
using AgentBus.Diagnostics;
using AgentBus.Envelopes;

namespace AgentBus.Handling;

/// <summary>
/// Sends one streamed reply to the request's lite topic: chunk 0, 1, 2..., then an end (or error) marker with the
/// next sequence. One send is in flight at a time and the chunks queued meanwhile go together, packed into one
/// message (up to <see cref="AgentBusOptions.StreamBatchSize"/>; see <see cref="ChunkPacking"/>), so a fast producer
/// costs one broker message per batch rather than per chunk; the queue is bounded, so a producer faster than the broker waits.
/// </summary>
internal sealed class ReplyStreamCore
{
    private const int QueueCapacity = 1024;

    private readonly Agent _agent;
    private readonly AgentEnvelope _request;
    private readonly Channel<Item> _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Lock _writeLock = new();
    private Task? _sender;
    private volatile Exception? _failure;
    private long _written;
    private bool _ended;

    public ReplyStreamCore(Agent agent, AgentEnvelope request)
    {
        _agent = agent;
        _request = request;
    }

    public long Written => Interlocked.Read(ref _written);

    public bool IsEnded
    {
        get
        {
            lock (_writeLock)
            {
                return _ended;
            }
        }
    }

    public ValueTask WriteAsync(Serialization.Payload body, CancellationToken ct)
    {
        ThrowIfFailed();
        Item item;
        lock (_writeLock)
        {
            if (_ended)
            {
                throw new InvalidOperationException("The reply stream is complete.");
            }

            item = new Item(MessageKind.Chunk, _written++, body, ErrorType: null);
            _sender ??= Task.Run(SendLoopAsync, CancellationToken.None);
        }

        return _queue.Writer.TryWrite(item) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(item, ct);
    }

    // The end marker's body is the number of chunks (a broker refuses empty bodies).
    public ValueTask CompleteAsync(CancellationToken ct) =>
        EndAsync(MessageKind.End, _agent.Bus.Serializer.Serialize(Written), errorType: null, ct);

    public ValueTask FailAsync(string errorType, string message, CancellationToken ct) =>
        EndAsync(MessageKind.Error, _agent.Bus.Serializer.Serialize(message), errorType, ct);

    private async ValueTask EndAsync(MessageKind kind, Serialization.Payload body, string? errorType, CancellationToken ct)
    {
        Item? marker = null;
        lock (_writeLock)
        {
            if (!_ended)
            {
                _ended = true;
                marker = new Item(kind, _written++, body, errorType);
                _sender ??= Task.Run(SendLoopAsync, CancellationToken.None);
            }
        }

        if (marker is { } end)
        {
            await _queue.Writer.WriteAsync(end, ct).ConfigureAwait(false);
            _queue.Writer.TryComplete();
        }

        await _sender!.WaitAsync(ct).ConfigureAwait(false);
        ThrowIfFailed();
    }

    private Message Build(in Item first, Serialization.Payload body, int chunkCount)
    {
        var envelope = new OutgoingMessage(first.Kind, MessageIds.New())
        {
            RequestId = _request.RequestId,
            SessionId = _request.SessionId,
            Sequence = first.Sequence,
            ChunkCount = chunkCount,
            From = _agent.Id, // no addressee: the reply-to topic is the requester's
            ErrorType = first.ErrorType,
        };
        return envelope.Build(_agent.Bus.Options.ParentTopic, _request.ReplyTo!, body, activity: null);
    }

    private async Task SendLoopAsync()
    {
        var reader = _queue.Reader;
        int max = _agent.Bus.Options.StreamBatchSize;
        var chunks = new List<Item>(max);
        var bodies = new ReadOnlyMemory<byte>[max];
        Item? held = null;
        try
        {
            while (held is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // What is queued now goes in one message: consecutive chunks of one content type, or a marker alone.
                Item next;
                if (held is { } kept)
                {
                    next = kept;
                    held = null;
                }
                else if (!reader.TryRead(out next))
                {
                    continue;
                }

                Message message;
                if (next.Kind != MessageKind.Chunk)
                {
                    message = Build(next, next.Body, chunkCount: 1);
                }
                else
                {
                    chunks.Add(next);
                    while (chunks.Count < max && reader.TryRead(out var more))
                    {
                        if (more.Kind != MessageKind.Chunk || more.Body.ContentType != next.Body.ContentType)
                        {
                            held = more;
                            break;
                        }

                        chunks.Add(more);
                    }

                    message = chunks.Count == 1 ? Build(next, next.Body, chunkCount: 1) : Build(next, Pack(chunks, bodies), chunks.Count);
                }

                await _agent.Bus.Producer.SendAsync(message).ConfigureAwait(false);
                AgentBusTelemetry.Sent(1);
                chunks.Clear();
            }
        }
        catch (Exception ex) when (ex is Client.Errors.ClientException or InvalidOperationException or ObjectDisposedException)
        {
            _failure = ex;
            _queue.Writer.TryComplete();
            while (reader.TryRead(out _))
            {
            }
        }
    }

    private static Serialization.Payload Pack(List<Item> chunks, ReadOnlyMemory<byte>[] bodies)
    {
        for (int i = 0; i < chunks.Count; i++)
        {
            bodies[i] = chunks[i].Body.Body;
        }

        return new Serialization.Payload(ChunkPacking.Pack(bodies.AsSpan(0, chunks.Count)), chunks[0].Body.ContentType);
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new AgentBusException($"The reply stream of request {_request.RequestId} failed: {failure.Message}", failure);
        }
    }

    /// <summary>A chunk or the closing marker, with its sequence, waiting to be sent.</summary>
    private readonly record struct Item(MessageKind Kind, long Sequence, Serialization.Payload Body, string? ErrorType);
}
