using System.Collections.Concurrent;
using System.Threading.Channels;
using AgentBus.Client.Consuming;
using AgentBus.Client.Lite;
using AgentBus.Client.Messages;
using AgentBus.Diagnostics;
using AgentBus.Envelopes;
using Microsoft.Extensions.Logging;

namespace AgentBus.Replies;

/// <summary>
/// Receives the replies addressed to this instance as a caller: on the instance's reply topic, and kept replies on
/// per-request topics (streamed replies are read through the session consumers: see <see cref="StreamReader"/>).
/// Completes the waiting request; a reply nobody waits for (the
/// caller timed out, or this instance restarted) is kept on its request's own lite topic, where
/// <c>AttachAsync</c> finds it — never acked and dropped.
/// </summary>
internal sealed class ReplyRouter : IAsyncDisposable
{
    private const int ListenerCount = 256;

    private readonly AgentBusClient _bus;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, PendingReply> _pending = new(StringComparer.Ordinal);
    private readonly int _limit;
    private readonly Lock _deadlineLock = new();
    private readonly ITimer _deadlineTimer;
    private LitePushConsumer? _consumer;
    private long _timerDue = PendingReply.NotWaiting;
    private int _count;

    public ReplyRouter(AgentBusClient bus, ILogger logger)
    {
        _bus = bus;
        _logger = logger;
        _limit = bus.Options.MaxPendingRequests;
        // One timer for every waiting request, due at the earliest deadline (see OnDeadline).
        _deadlineTimer = bus.Time.CreateTimer(static state => ((ReplyRouter)state!).OnDeadline(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Requests waiting for a reply now.</summary>
    public int Pending => Volatile.Read(ref _count);

    private LitePushConsumer Consumer => _consumer ?? throw new InvalidOperationException("The reply router has not started.");

    public async Task StartAsync(CancellationToken ct)
    {
        _consumer = await _bus.Provider.NewLitePushConsumerBuilder()
            .BindTopic(_bus.Options.ParentTopic)
            .SetConsumerGroup(_bus.Options.ConsumerGroup)
            // Replies are independent of each other (streams are read through the session consumers).
            .SetConsumptionParallelism(ListenerCount)
            .SetMaxCacheMessageCount(4096)
            .SetMessageListener(OnMessageAsync)
            .BuildAsync(ct).ConfigureAwait(false);
        // The instance's reply topic from the committed offset: after a restart with the same instance id, the replies
        // that arrived meanwhile come in.
        await _consumer.SubscribeLiteAsync(_bus.ReplyTopic, ct: ct).ConfigureAwait(false);
    }

    /// <summary>Registers a request before it is sent, so a fast reply always finds it.</summary>
    public PendingReply Register(string requestId, string peer)
    {
        if (Interlocked.Increment(ref _count) > _limit)
        {
            Interlocked.Decrement(ref _count);
            throw new RequestLimitExceededException(_limit);
        }

        var pending = new PendingReply(this, requestId, peer);
        if (!_pending.TryAdd(requestId, pending))
        {
            Interlocked.Decrement(ref _count);
            throw new InvalidOperationException($"Request {requestId} is already being awaited by this instance.");
        }

        return pending;
    }

    /// <summary>The caller stopped waiting (or never started: its send failed).</summary>
    public void Unregister(PendingReply pending)
    {
        TryTake(pending);
        pending.ReleaseCancellation();
    }

    /// <summary>Takes a request out of the table; true for the one caller that may then complete it.</summary>
    internal bool TryTake(PendingReply pending)
    {
        if (_pending.TryRemove(new KeyValuePair<string, PendingReply>(pending.RequestId, pending)))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    /// <summary>Completes a waiting request with a reply that arrived elsewhere (on a session topic); false when nobody waits.</summary>
    public bool TryComplete(ReceivedReply reply) =>
        reply.Envelope.RequestId is { } id && _pending.TryGetValue(id, out var pending) && TryComplete(pending, reply);

    private bool TryComplete(PendingReply pending, ReceivedReply reply)
    {
        if (!TryTake(pending))
        {
            return false;
        }

        pending.Complete(reply);
        return true;
    }

    /// <summary>Starts the caller's timeout: the deadline timer is brought forward when this deadline is the earliest.</summary>
    internal void StartDeadline(PendingReply pending, TimeSpan timeout)
    {
        var time = _bus.Time;
        long now = time.GetTimestamp();
        long deadline = now + TimestampTicks(timeout, time.TimestampFrequency);
        // Under the lock, so that a sweep running now either sees this deadline or leaves the timer due before it.
        lock (_deadlineLock)
        {
            pending.SetDeadline(deadline);
            if (deadline < _timerDue)
            {
                _timerDue = deadline;
                _deadlineTimer.Change(DueIn(deadline - now, time.TimestampFrequency), Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>
    /// The deadline timer: fails every request whose deadline passed and sets the timer to the next deadline. With one
    /// timeout for all requests (the usual case) it fires about once per timeout, whatever the request rate.
    /// </summary>
    private void OnDeadline()
    {
        var time = _bus.Time;
        lock (_deadlineLock)
        {
            long now = time.GetTimestamp();
            long next = PendingReply.NotWaiting;
            foreach (var (_, pending) in _pending)
            {
                long deadline = pending.Deadline;
                if (deadline <= now)
                {
                    if (TryTake(pending))
                    {
                        pending.Fail(new AgentTimeoutException(pending.Peer, pending.RequestId, pending.Timeout));
                    }
                }
                else if (deadline < next)
                {
                    next = deadline;
                }
            }

            _timerDue = next;
            if (next != PendingReply.NotWaiting)
            {
                _deadlineTimer.Change(DueIn(next - now, time.TimestampFrequency), Timeout.InfiniteTimeSpan);
            }
        }
    }

    private static long TimestampTicks(TimeSpan timeout, long frequency) =>
        frequency == TimeSpan.TicksPerSecond ? timeout.Ticks : (long)Math.Ceiling(timeout.Ticks * ((double)frequency / TimeSpan.TicksPerSecond));

    /// <summary>A timestamp interval as a due time, rounded up, and at least a millisecond (the system timer's resolution) so a timer firing early re-arms rather than spins.</summary>
    private static TimeSpan DueIn(long timestampTicks, long frequency)
    {
        long ticks = frequency == TimeSpan.TicksPerSecond
            ? timestampTicks
            : (long)Math.Ceiling(timestampTicks * ((double)TimeSpan.TicksPerSecond / frequency));
        return TimeSpan.FromTicks(Math.Max(ticks, TimeSpan.TicksPerMillisecond));
    }

    /// <summary>Also watches the request's own lite topic, where a reply that found no caller was kept.</summary>
    public Task WatchKeptReplyAsync(string requestId, CancellationToken ct) =>
        Consumer.SubscribeLiteAsync(LiteTopicNames.ForRequest(requestId), OffsetOption.MinOffset, ct);

    public Task UnwatchAsync(string requestId) => UnsubscribeQuietlyAsync(LiteTopicNames.ForRequest(requestId));

    public async ValueTask DisposeAsync()
    {
        if (_consumer is { } consumer)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
        // Callers stop waiting at once; their replies stay on the broker for this instance id to attach to later.
        foreach (var pending in _pending.Values)
        {
            if (TryTake(pending))
            {
                pending.Fail(new ObjectDisposedException(nameof(AgentBusClient), $"The bus closed while request {pending.RequestId} waited for its reply."));
            }
        }

    }

    private async ValueTask<ConsumeResult> OnMessageAsync(MessageView message, CancellationToken ct)
    {
        string lite = message.LiteTopic ?? "";
        if (!AgentEnvelope.TryRead(message, out var envelope, out string problem) ||
            envelope.Kind is not (MessageKind.Reply or MessageKind.Error or MessageKind.Chunk or MessageKind.End))
        {
            AgentBusLog.NotAReply(_logger, message.MessageId, lite, problem.Length > 0 ? problem : $"a '{envelope.Kind}' message");
            return ConsumeResult.DeadLetter;
        }

        var reply = new ReceivedReply(envelope, message.Body);
        string requestId = envelope.RequestId!;
        if (envelope.Kind is MessageKind.Reply or MessageKind.Error && _pending.TryGetValue(requestId, out var pending) && TryComplete(pending, reply))
        {
            return ConsumeResult.Success;
        }

        if (!string.Equals(lite, _bus.ReplyTopic, StringComparison.Ordinal))
        {
            // Read again from a request's own topic after the caller got it.
            AgentBusLog.DuplicateReply(_logger, envelope.MessageId, requestId);
            return ConsumeResult.Success;
        }

        return await KeepAsync(message, envelope, ct).ConfigureAwait(false);
    }

    /// <summary>Moves a reply nobody waits for to its request's own lite topic (stored until read or expired), then acks it.</summary>
    private async ValueTask<ConsumeResult> KeepAsync(MessageView message, AgentEnvelope envelope, CancellationToken ct)
    {
        string target = LiteTopicNames.ForRequest(envelope.RequestId!);
        try
        {
            var builder = new MessageBuilder().SetTopic(_bus.Options.ParentTopic).SetLiteTopic(target).SetBody(message.Body).SetKeys(envelope.MessageId);
            foreach (var (key, value) in message.Properties)
            {
                builder.AddProperty(key, value);
            }

            await _bus.Producer.SendAsync(builder.Build(), ct).ConfigureAwait(false);
            AgentBusLog.ReplyParked(_logger, envelope.RequestId!, target);
            return ConsumeResult.Success;
        }
        catch (Exception ex) when (ex is Client.Errors.ClientException or OperationCanceledException)
        {
            AgentBusLog.ParkFailed(_logger, envelope.RequestId!, ex.Message);
            return ConsumeResult.Failure;
        }
    }

    private async Task UnsubscribeQuietlyAsync(string liteTopic)
    {
        try
        {
            await Consumer.UnsubscribeLiteAsync(liteTopic).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Client.Errors.ClientException or ObjectDisposedException or InvalidOperationException)
        {
            AgentBusLog.UnsubscribeFailed(_logger, liteTopic, ex.Message);
        }
    }
}
