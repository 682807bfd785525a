using System.Threading.Channels;
using AgentBus.Client.Messages;
using AgentBus.Diagnostics;
using AgentBus.Envelopes;

namespace AgentBus.Handling;

/// <summary>
/// Sends one streamed reply to the request's lite topic: chunk 0, 1, 2..., then an end (or error) marker with the
/// next sequence. One send is in flight at a time and the chunks queued meanwhile go together in the next request
/// (up to <see cref="AgentBusOptions.StreamBatchSize"/>), so a fast producer is not held to one broker round trip
/// per chunk; the queue is bounded, so a producer faster than the broker waits.
/// </summary>
internal sealed class ReplyStreamCore
{
    private const int QueueCapacity = 1024;

    private readonly Agent _agent;
    private readonly AgentEnvelope _request;
    private readonly Channel<Message> _queue = Channel.CreateBounded<Message>(new BoundedChannelOptions(QueueCapacity)
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
        Message message;
        lock (_writeLock)
        {
            if (_ended)
            {
                throw new InvalidOperationException("The reply stream is complete.");
            }

            message = Build(MessageKind.Chunk, body, errorType: null);
            _sender ??= Task.Run(SendLoopAsync, CancellationToken.None);
        }

        return _queue.Writer.TryWrite(message) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(message, ct);
    }

    // The end marker's body is the number of chunks (a broker refuses empty bodies).
    public ValueTask CompleteAsync(CancellationToken ct) =>
        EndAsync(MessageKind.End, _agent.Bus.Serializer.Serialize(Written), errorType: null, ct);

    public ValueTask FailAsync(string errorType, string message, CancellationToken ct) =>
        EndAsync(MessageKind.Error, _agent.Bus.Serializer.Serialize(message), errorType, ct);

    private async ValueTask EndAsync(MessageKind kind, Serialization.Payload body, string? errorType, CancellationToken ct)
    {
        Message? marker = null;
        lock (_writeLock)
        {
            if (!_ended)
            {
                _ended = true;
                marker = Build(kind, body, errorType);
                _sender ??= Task.Run(SendLoopAsync, CancellationToken.None);
            }
        }

        if (marker is not null)
        {
            await _queue.Writer.WriteAsync(marker, ct).ConfigureAwait(false);
            _queue.Writer.TryComplete();
        }

        await _sender!.WaitAsync(ct).ConfigureAwait(false);
        ThrowIfFailed();
    }

    private Message Build(MessageKind kind, Serialization.Payload body, string? errorType)
    {
        var envelope = new OutgoingMessage(kind, MessageIds.New())
        {
            RequestId = _request.RequestId,
            SessionId = _request.SessionId,
            Sequence = _written++,
            From = _agent.Id,
            To = _request.From,
            ErrorType = errorType,
        };
        return envelope.Build(_agent.Bus.Options.ParentTopic, _request.ReplyTo!, body, activity: null);
    }

    private async Task SendLoopAsync()
    {
        var reader = _queue.Reader;
        int max = _agent.Bus.Options.StreamBatchSize;
        var batch = new List<Message>(max);
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (batch.Count < max && reader.TryRead(out var message))
                {
                    batch.Add(message);
                }

                if (batch.Count == 1)
                {
                    await _agent.Bus.Producer.SendAsync(batch[0]).ConfigureAwait(false);
                }
                else
                {
                    await _agent.Bus.Producer.SendAsync(batch).ConfigureAwait(false);
                }

                AgentBusTelemetry.Sent(batch.Count);
                batch.Clear();
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

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new AgentBusException($"The reply stream of request {_request.RequestId} failed: {failure.Message}", failure);
        }
    }
}
