using AgentBus.Broker.Consumption;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// Longest a receive may long-poll (5 minutes): the engine refuses a longer one, and a server's configured long
    /// polls are validated against it.
    /// </summary>
    public static TimeSpan MaxLongPollTimeout { get; } = TimeSpan.FromMinutes(5);

    /// <summary><see cref="MaxLongPollTimeout"/> as messages quote it.</summary>
    internal static string MaxLongPollText => $"{MaxLongPollTimeout.TotalMinutes:0} min";

    /// <summary>
    /// A lite consumer's long poll: pops lite topics from the client's ready set and returns up to
    /// <paramref name="maxMessages"/> messages across them, waiting up to <paramref name="longPollTimeout"/> for
    /// the first one. Only lite topics with pending messages are visited, however many the client subscribes to.
    /// </summary>
    public ValueTask<IReadOnlyList<Delivery>> ReceiveLiteAsync(string clientId, string group, string topic,
        int maxMessages, TimeSpan invisibleDuration, TimeSpan longPollTimeout, CancellationToken cancellationToken = default) =>
        ReceiveLiteAsync(clientId, group, topic, maxMessages, invisibleDuration, longPollTimeout, TagFilter.All, cancellationToken);

    /// <summary>
    /// As <see cref="ReceiveLiteAsync(string, string, string, int, TimeSpan, TimeSpan, CancellationToken)"/>, handing
    /// out only the messages <paramref name="filter"/> accepts. A message it rejects is consumed for the group as it is
    /// popped: no receipt handle, no invisibility, no delivery attempt. A poll that finds only rejected messages keeps
    /// waiting for accepted ones until its timeout.
    /// </summary>
    public async ValueTask<IReadOnlyList<Delivery>> ReceiveLiteAsync(string clientId, string group, string topic,
        int maxMessages, TimeSpan invisibleDuration, TimeSpan longPollTimeout, TagFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ThrowIfDisposed();
        ValidateReceive(maxMessages, invisibleDuration, longPollTimeout);
        var session = _registry.GetOrCreateSession(clientId, group, topic);
        var groupDefinition = Topics.TryGetGroup(group, out var g) ? g : throw new BrokerException(BrokerErrorCode.ConsumerGroupNotFound, $"Consumer group '{group}' does not exist.");
        long deadline = Now() + (long)longPollTimeout.TotalMilliseconds;
        while (true)
        {
            var deliveries = PopReadySet(session, groupDefinition, Math.Min(maxMessages, _options.MaxReceiveBatch), invisibleDuration, filter);
            if (deliveries.Count > 0 || session.Closed)
            {
                return deliveries;
            }

            long remaining = deadline - Now();
            if (remaining <= 0)
            {
                return deliveries;
            }

            if (session.Ready.PulsesIfEmpty() is { } seen
                && !await WaitAsync(session.Ready.Offered, seen, remaining, cancellationToken).ConfigureAwait(false))
            {
                return deliveries;
            }
        }
    }

    /// <summary>
    /// A consumer of a normal or FIFO topic (simple or push consumer): pops from the topic's queues (one queue when
    /// <paramref name="queueId"/> is given), waiting up to <paramref name="longPollTimeout"/> for a message. With
    /// <see cref="BrokerOptions.AutoCreate"/> on, an unknown topic is created as a normal topic and waited on, so a
    /// consumer may start before its producer; off, it is <see cref="BrokerErrorCode.TopicNotFound"/>.
    /// </summary>
    public ValueTask<IReadOnlyList<Delivery>> ReceiveAsync(string group, string topic, int? queueId,
        int maxMessages, TimeSpan invisibleDuration, TimeSpan longPollTimeout, CancellationToken cancellationToken = default) =>
        ReceiveAsync(group, topic, queueId, maxMessages, invisibleDuration, longPollTimeout, TagFilter.All, cancellationToken);

    /// <summary>
    /// As <see cref="ReceiveAsync(string, string, int?, int, TimeSpan, TimeSpan, CancellationToken)"/>, handing out
    /// only the messages <paramref name="filter"/> accepts. A message it rejects is consumed for the group as it is
    /// popped: no receipt handle, no invisibility, no delivery attempt. A poll that finds only rejected messages keeps
    /// waiting for accepted ones until its timeout.
    /// </summary>
    public async ValueTask<IReadOnlyList<Delivery>> ReceiveAsync(string group, string topic, int? queueId,
        int maxMessages, TimeSpan invisibleDuration, TimeSpan longPollTimeout, TagFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ThrowIfDisposed();
        ValidateReceive(maxMessages, invisibleDuration, longPollTimeout);
        var (topicDefinition, groupDefinition) = Topics.ResolveForReceive(topic, group);
        var queues = _queues.GetOrCreateNormal(topic, topicDefinition.QueueCount, Now());
        if (queueId is { } id && (id < 0 || id >= queues.Length))
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"Topic '{topic}' has no queue {id}.");
        }

        long deadline = Now() + (long)longPollTimeout.TotalMilliseconds;
        int max = Math.Min(maxMessages, _options.MaxReceiveBatch);
        while (true)
        {
            // Count the wake-ups before looking, so an arrival between the look and the wait is not missed.
            var arrival = _dispatcher.TopicSignal(topic);
            long seen = arrival.Pulses;
            var deliveries = new List<Delivery>();
            int start = (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)queues.Length);
            for (int i = 0; i < queues.Length && deliveries.Count < max; i++)
            {
                var queue = queueId is { } only ? queues[only] : queues[(start + i) % queues.Length];
                PopQueue(queue, groupDefinition, max - deliveries.Count, invisibleDuration, filter, deliveries, holder: null);
                if (queueId is not null)
                {
                    break;
                }
            }

            if (deliveries.Count > 0)
            {
                return deliveries;
            }

            long remaining = deadline - Now();
            if (remaining <= 0 || !await WaitAsync(arrival, seen, remaining, cancellationToken).ConfigureAwait(false))
            {
                return deliveries;
            }
        }
    }

    private List<Delivery> PopReadySet(LiteSession session, ConsumerGroupDefinition group, int max, TimeSpan invisibleDuration, TagFilter filter)
    {
        var deliveries = new List<Delivery>();
        while (deliveries.Count < max && session.Ready.TryTake(out var queue))
        {
            // The topic was taken out before reading: a message arriving meanwhile re-offers it.
            if (queue.Deleted || !queue.Subscribers.Contains(session))
            {
                continue;
            }

            bool more = PopQueue(queue, group, max - deliveries.Count, invisibleDuration, filter, deliveries, holder: session);
            if (more)
            {
                _dispatcher.Offer(session, queue);
            }
        }

        return deliveries;
    }

    /// <summary>
    /// Pops up to <paramref name="max"/> messages of one queue that <paramref name="filter"/> accepts, for one group;
    /// returns whether more are deliverable now. Messages the filter rejects are consumed for the group on the way
    /// (popping on past them until <paramref name="max"/> are accepted or the queue has nothing more to give).
    /// </summary>
    private bool PopQueue(ConsumeQueue queue, ConsumerGroupDefinition group, int max, TimeSpan invisibleDuration, TagFilter filter,
        List<Delivery> deliveries, LiteSession? holder)
    {
        long now = Now();
        long invisibleUntil = now + (long)invisibleDuration.TotalMilliseconds;
        var taken = new List<(long Offset, int Attempt)>(Math.Min(max, 32));
        var toRead = new List<(long Position, long Offset, int Attempt, long Seq)>(Math.Min(max, 32));
        List<long>? toDeadLetter = null;
        List<(long Offset, long Seq)>? skipped = null;
        int wanted = max;
        bool more;
        bool scheduled = false;
        GroupCursor? cursor = null;
        var request = new PopRequest(group.Name, group.Fifo, group.MaxDeliveryAttempts, invisibleUntil, holder);

        // Bounded: a round that hands nothing out ends the loop unless it consumed at least one rejected message. A
        // round without rejected or unreadable messages (every round without a filter) takes the queue's lock once.
        while (true)
        {
            cursor = queue.Pop(cursor, request, wanted, ref _deliverySeq, taken, toRead, ref toDeadLetter, out more);

            int accepted = 0;
            foreach (var (position, offset, attempt, seq) in toRead)
            {
                // A filter decides on the tag before the record is decoded: a rejected message allocates nothing.
                bool readable = filter.AcceptsAll ? _log.TryRead(position, out MessageRecord? record) : _log.TryReadIfAccepted(position, filter, out record);
                if (!readable)
                {
                    // Never deliver a corrupt record; acknowledge it away so it cannot block the queue.
                    EngineLog.UnreadableRecordSkipped(_logger, position, queue, offset);
                    (skipped ??= []).Add((offset, seq));
                    continue;
                }

                if (record is null)
                {
                    (skipped ??= []).Add((offset, seq)); // the filter rejects it: consumed for the group, never handed out
                    continue;
                }

                if (!scheduled)
                {
                    // Before the handle leaves: the invisibility must end even if the consumer never answers.
                    _invisibility.Schedule(cursor, invisibleUntil);
                    scheduled = true;
                }

                string handle = _handles.Encode(queue, offset, seq);
                deliveries.Add(new Delivery(record, handle, attempt, DateTimeOffset.FromUnixTimeMilliseconds(invisibleUntil)));
                accepted++;
            }

            toRead.Clear();
            if (skipped is not { Count: > 0 })
            {
                break;
            }

            more = queue.CommitSkipped(cursor, skipped, group.Fifo);
            skipped.Clear();
            wanted -= accepted;
            if (wanted <= 0 || !more)
            {
                break;
            }
        }

        if (toDeadLetter is not null)
        {
            foreach (long position in toDeadLetter)
            {
                DeadLetter(group.Name, position);
            }
        }

        return more;
    }

    private void ValidateReceive(int maxMessages, TimeSpan invisibleDuration, TimeSpan longPollTimeout)
    {
        if (maxMessages < 1)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, "Receive at least one message.");
        }

        if (invisibleDuration < _options.MinInvisibleDuration || invisibleDuration > _options.MaxInvisibleDuration)
        {
            throw new BrokerException(BrokerErrorCode.IllegalInvisibleTime,
                $"Invisible duration {invisibleDuration} is outside {_options.MinInvisibleDuration}..{_options.MaxInvisibleDuration}.");
        }

        if (longPollTimeout < TimeSpan.Zero || longPollTimeout > MaxLongPollTimeout)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"Long polling timeout {longPollTimeout} is outside 0..{MaxLongPollText}.");
        }
    }

    /// <summary>Waits for <paramref name="signal"/> to pulse past <paramref name="seenPulses"/>; false on timeout or shutdown.</summary>
    /// <remarks>
    /// An empty long poll is an idle agent's normal state, so a timeout is not an exception here, and a busy consumer
    /// waits about once per delivery, so the wait is a pooled <see cref="Dispatch.PollWait"/> (no timer, task or linked
    /// token source made per wait).
    /// </remarks>
    private async ValueTask<bool> WaitAsync(Dispatch.WakeSignal signal, long seenPulses, long timeoutMs, CancellationToken cancellationToken)
    {
        var outcome = await _pollWaits.WaitAsync(signal, seenPulses, TimeSpan.FromMilliseconds(timeoutMs), cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            Dispatch.PollWaitOutcome.Signaled => !_closing.IsCancellationRequested,
            Dispatch.PollWaitOutcome.Canceled => throw new OperationCanceledException(cancellationToken),
            _ => false, // timed out, or the broker is shutting down: answer with what we have (nothing)
        };
    }
}
