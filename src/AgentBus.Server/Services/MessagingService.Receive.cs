using AgentBus.Broker.Consumption;
using AgentBus.Broker.Topics;
using AgentBus.Protocol;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Mapping;
using AgentBus.Server.Tracing;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    /// <summary>Time kept free before the call's deadline so the answer reaches the client in time.</summary>
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(500);

    /// <summary>Write options that let the transport buffer a write instead of flushing it at once.</summary>
    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    /// <summary>
    /// Long-polls for messages. The stream carries a <c>delivery_timestamp</c>, then one response per message, then a
    /// closing status: OK with messages, MESSAGE_NOT_FOUND when the poll timed out empty, an error code otherwise.
    /// Lite consumers (the topic is a lite parent, the client is a lite consumer, or the queue is the virtual -1 of a
    /// lite parent) pop from their ready set; other consumers pop from the topic's queues.
    /// <para>
    /// A client that sends the <see cref="ClientMetadata.ReceiveModeHeader"/> header with
    /// <see cref="ClientMetadata.ContinuousReceiveMode"/> gets a continuous receive instead: the stream stays open after the
    /// first messages and carries each further message as it becomes ready, until <c>batch_size</c> messages went out,
    /// a long-polling timeout passed without a message, or the call's deadline draws near. Such a client acts on each
    /// message as it arrives, so a consumer streaming a conversation costs one call per many messages rather than one
    /// per message. Other clients see the protocol's one-shot receive.
    /// </para>
    /// </summary>
    /// <remarks>Bound by <see cref="ReceiveMethodProvider"/>: the deliveries are encoded from their records when written.</remarks>
    internal async Task ReceiveMessageAsync(ReceiveMessageRequest request, IServerStreamWriter<ReceiveReply> responseStream,
        ServerCallContext context)
    {
        _metrics.ReceiveCall();
        var metadata = ClientMetadata.From(context.RequestHeaders);
        IReadOnlyList<Delivery> deliveries;
        ReceivePlan plan;
        try
        {
            if (metadata.ClientId is not { } clientId)
            {
                await WriteStatusAsync(responseStream, ClientIdRequired(nameof(ReceiveMessage))).ConfigureAwait(false);
                return;
            }

            MalformedRequests.ThrowIfMalformed(request);
            plan = Plan(request, clientId, context, metadata);
            if (plan.StreamAttemptId is { } streamAttempt
                && Engine.ReceiveAttempts.TakeUnconfirmedStream(clientId, streamAttempt, plan.Group, plan.Topic) is { } unconfirmed)
            {
                Renewer.Abandon(unconfirmed);
            }

            deliveries = plan.AttemptId is { } attemptId && Engine.ReceiveAttempts.Replay(clientId, attemptId, plan.Group, plan.Topic) is { } replayed
                ? replayed
                : await PollAsync(plan.Continuous && plan.MaxBytes != long.MaxValue ? plan with { BatchSize = 1 } : plan, context).ConfigureAwait(false);
            if (plan.AttemptId is { } attempt)
            {
                Engine.ReceiveAttempts.Remember(clientId, attempt, plan.Group, plan.Topic, deliveries);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            ServerLog.ClientGone(_logger, nameof(ReceiveMessage), metadata.ClientId);
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await TryWriteStatusAsync(responseStream, StatusOf(nameof(ReceiveMessage), ex, metadata, context), metadata).ConfigureAwait(false);
            return;
        }

        if (plan.Continuous && deliveries.Count > 0)
        {
            await DeliverContinuouslyAsync(plan, deliveries, responseStream, context, metadata).ConfigureAwait(false);
            return;
        }

        await DeliverAsync(plan, deliveries, responseStream, context, metadata).ConfigureAwait(false);
    }

    private ReceivePlan Plan(ReceiveMessageRequest request, string clientId, ServerCallContext context, ClientMetadata metadata)
    {
        bool continuous = metadata.ContinuousReceive;
        var client = _clients.Touch(clientId);
        string group = RequestFields.Group(request.Group);
        string topic = RequestFields.Topic(request.MessageQueue?.Topic);
        if (request.BatchSize <= 0)
        {
            throw new RequestException(Code.BadRequest, "batch_size must be positive.");
        }

        var filter = FilterMapper.ToTagFilter(request.FilterExpression);
        var invisible = RequestFields.Duration(request.InvisibleDuration, Code.IllegalInvisibleTime, "invisible_duration");
        if (invisible is null && !request.AutoRenew)
        {
            throw new RequestException(Code.IllegalInvisibleTime, "invisible_duration is required unless auto_renew is set.");
        }

        var requestedPoll = RequestFields.Duration(request.LongPollingTimeout, Code.IllegalPollingTime, "long_polling_timeout") ?? _options.LongPollingTimeout;
        var poll = requestedPoll < _options.MaxLongPollingTimeout ? requestedPoll : _options.MaxLongPollingTimeout;
        if (context.Deadline != DateTime.MaxValue)
        {
            var left = context.Deadline - _time.GetUtcNow().UtcDateTime - DeadlineMargin;
            poll = left < poll ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : poll;
        }

        // An unknown topic is the engine's to create (or refuse) when a normal receive reaches it.
        bool lite = IsKnownLiteParent(topic) || client.IsLiteConsumer;

        // A continuous receive is not replayed by attempt id: its client has acted on whatever reached it. Its attempt
        // id only tells whether the client read the end of its previous stream.
        string? attemptId = request.HasAttemptId && request.AttemptId.Length > 0 ? request.AttemptId : null;
        return new ReceivePlan(clientId, group, topic, request.Group.ResourceNamespace, lite, request.BatchSize,
            invisible ?? _options.AutoRenewInvisibleDuration, request.AutoRenew, poll, filter,
            continuous ? null : attemptId, continuous, metadata.ContinuousMaxBytes ?? long.MaxValue, metadata.Crc32BodyDigest,
            continuous ? attemptId : null);
    }

    /// <summary>Waits for messages the consumer's filter accepts (the engine consumes the rejected ones for the group).</summary>
    private async ValueTask<IReadOnlyList<Delivery>> PollAsync(ReceivePlan plan, ServerCallContext context)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime.ApplicationStopping);
        _metrics.ReceiveWaiting();
        try
        {
            return plan.Lite
                ? await Engine.ReceiveLiteAsync(plan.ClientId, plan.Group, plan.Topic, plan.BatchSize, plan.InvisibleDuration,
                    plan.LongPoll, plan.Filter, stopping.Token).ConfigureAwait(false)
                : await Engine.ReceiveAsync(plan.Group, plan.Topic, null, plan.BatchSize, plan.InvisibleDuration,
                    plan.LongPoll, plan.Filter, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            return []; // shutting down: end the poll empty so the server can stop
        }
        finally
        {
            _metrics.ReceiveDone();
        }
    }

    private async Task DeliverAsync(ReceivePlan plan, IReadOnlyList<Delivery> deliveries, IServerStreamWriter<ReceiveReply> stream,
        ServerCallContext context, ClientMetadata metadata)
    {
        try
        {
            // The timestamp and the messages may sit in the transport's buffer; the closing status flushes them all.
            await WriteBatchAsync(plan, deliveries, stream, context, withTimestamp: true, flush: false).ConfigureAwait(false);
            var status = deliveries.Count > 0
                ? StatusFactory.Ok()
                : StatusFactory.Of(Code.MessageNotFound, "No new message within the long polling timeout.");
            await stream.WriteAsync(ReceiveReply.Of(new ReceiveMessageResponse { Status = status })).ConfigureAwait(false);
            _metrics.MessagesOut(deliveries.Count);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The stream broke: clients act on a receive only once its stream completed, so none of this batch was
            // processed. Every delivery becomes visible again at once rather than after its invisible duration.
            ServerLog.ClientGone(_logger, nameof(ReceiveMessage), metadata.ClientId);
            if (plan.AttemptId is not null)
            {
                Engine.ReceiveAttempts.Forget(plan.ClientId, plan.Group, plan.Topic);
            }

            Release(plan.Group, deliveries);
        }
    }

    /// <summary>
    /// The continuous receive: each batch is flushed as soon as it is popped, then the next poll waits on the same
    /// stream, until <c>batch_size</c> messages or the client's byte bound went out. Under a byte bound the first pop
    /// takes one message and later pops as many as fit at the average size seen, so the bound is overrun by about one
    /// message, not by a batch. A batch whose write completed belongs to the client (it acts on messages as they arrive); when the
    /// stream breaks, the batch being written is released, and the ones written before stop being auto-renewed: a
    /// completed write may still have died in flight with the connection, so they come back after their invisible
    /// time (attempt + 1) unless the client settles them. A stream that completed is remembered by its attempt id: a
    /// client whose next receive carries the same id never read its end, and its deliveries are abandoned then.
    /// </summary>
    private async Task DeliverContinuouslyAsync(ReceivePlan plan, IReadOnlyList<Delivery> first, IServerStreamWriter<ReceiveReply> stream,
        ServerCallContext context, ClientMetadata metadata)
    {
        var batch = first;
        var written = new List<string>();
        int delivered = 0;
        long bytes = 0;
        // Tells the client, with the first write, that its receive is served continuously.
        context.GetHttpContext().Response.Headers.Append(ClientMetadata.ReceiveModeHeader, ClientMetadata.ContinuousReceiveMode);
        try
        {
            // Bounded: every round delivers at least one message of the batch_size budget, or ends the stream.
            while (true)
            {
                await WriteBatchAsync(plan, batch, stream, context, withTimestamp: delivered == 0, flush: true).ConfigureAwait(false);
                delivered += batch.Count;
                foreach (var delivery in batch)
                {
                    bytes += delivery.Message.Body.Length;
                    written.Add(delivery.ReceiptHandle);
                }

                _metrics.MessagesOut(batch.Count);
                batch = [];
                var left = context.Deadline == DateTime.MaxValue
                    ? plan.LongPoll
                    : context.Deadline - _time.GetUtcNow().UtcDateTime - DeadlineMargin;
                if (delivered >= plan.BatchSize || bytes >= plan.MaxBytes || left <= TimeSpan.Zero)
                {
                    break;
                }

                // Under a byte bound, pop as many as fit at the stream's average body size so far (at least one).
                int count = plan.BatchSize - delivered;
                if (plan.MaxBytes != long.MaxValue)
                {
                    long average = Math.Max(1, bytes / delivered);
                    count = (int)Math.Clamp((plan.MaxBytes - bytes + average - 1) / average, 1, count);
                }

                try
                {
                    batch = await PollAsync(plan with { BatchSize = count, LongPoll = left < plan.LongPoll ? left : plan.LongPoll }, context)
                        .ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
                {
                    // What went out stands; the client's next receive meets the refusal and gets its status.
                    ServerLog.ContinuousReceiveEnded(_logger, metadata.ClientId, ex.Message);
                    batch = [];
                }

                if (batch.Count == 0)
                {
                    break;
                }
            }

            await stream.WriteAsync(ReceiveReply.Of(new ReceiveMessageResponse { Status = StatusFactory.Ok() })).ConfigureAwait(false);
            if (plan.StreamAttemptId is { } attemptId)
            {
                Engine.ReceiveAttempts.RememberStream(plan.ClientId, attemptId, plan.Group, plan.Topic, written);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            ServerLog.ClientGone(_logger, nameof(ReceiveMessage), metadata.ClientId);
            Renewer.Abandon(written);
            Release(plan.Group, batch);
        }
    }

    /// <summary>Writes a batch of messages (after a delivery timestamp when asked), buffered, flushing the last one when asked.</summary>
    private async Task WriteBatchAsync(ReceivePlan plan, IReadOnlyList<Delivery> deliveries, IServerStreamWriter<ReceiveReply> stream,
        ServerCallContext context, bool withTimestamp, bool flush)
    {
        var now = _time.GetUtcNow();
        stream.WriteOptions = Buffered;
        if (withTimestamp)
        {
            await stream.WriteAsync(ReceiveReply.Of(new ReceiveMessageResponse { DeliveryTimestamp = Timestamp.FromDateTimeOffset(now) })).ConfigureAwait(false);
        }

        if (deliveries.Count > 0 && BrokerTracing.Source.HasListeners())
        {
            await WriteTracedAsync(plan, deliveries, stream, context, now, flush).ConfigureAwait(false);
        }
        else
        {
            await WriteDeliveriesAsync(plan, deliveries, stream, context, now, flush).ConfigureAwait(false);
        }

        stream.WriteOptions = WriteOptions.Default;
    }

    private async Task WriteDeliveriesAsync(ReceivePlan plan, IReadOnlyList<Delivery> deliveries, IServerStreamWriter<ReceiveReply> stream,
        ServerCallContext context, DateTimeOffset now, bool flush)
    {
        var encoding = new DeliveryEncoding(plan.Namespace, StoreHost(context), now, plan.Crc32Digest);
        for (int i = 0; i < deliveries.Count; i++)
        {
            var delivery = deliveries[i];
            if (plan.AutoRenew)
            {
                Renewer.Track(plan.ClientId, plan.Group, delivery.ReceiptHandle, delivery.InvisibleUntil);
            }

            if (flush && i == deliveries.Count - 1)
            {
                stream.WriteOptions = WriteOptions.Default;
            }

            await stream.WriteAsync(ReceiveReply.Of(delivery, encoding)).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the deliveries inside a <c>deliver {topic}</c> span (only when someone listens to the broker's traces).</summary>
    private async Task WriteTracedAsync(ReceivePlan plan, IReadOnlyList<Delivery> deliveries, IServerStreamWriter<ReceiveReply> stream,
        ServerCallContext context, DateTimeOffset now, bool flush)
    {
        using var activity = BrokerTracing.StartDeliver(deliveries, plan.Group, plan.ClientId);
        try
        {
            await WriteDeliveriesAsync(plan, deliveries, stream, context, now, flush).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            BrokerTracing.Failed(activity, ex);
            throw;
        }
    }

    private void Release(string group, IReadOnlyList<Delivery> deliveries)
    {
        foreach (var delivery in deliveries)
        {
            try
            {
                Renewer.Settle(delivery.ReceiptHandle, current => Engine.ChangeInvisibleDuration(group, current, TimeSpan.Zero, suspend: true, handBack: true));
            }
            catch (Broker.Errors.BrokerException)
            {
                // Settled or expired meanwhile.
            }
        }
    }

    private static Task WriteStatusAsync(IServerStreamWriter<ReceiveReply> stream, Status status) =>
        stream.WriteAsync(ReceiveReply.Of(new ReceiveMessageResponse { Status = status }));

    private async Task TryWriteStatusAsync(IServerStreamWriter<ReceiveReply> stream, Status status, ClientMetadata metadata)
    {
        try
        {
            await WriteStatusAsync(stream, status).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            ServerLog.ClientGone(_logger, nameof(ReceiveMessage), metadata.ClientId);
        }
    }

    /// <summary>What one ReceiveMessage call asks for, validated.</summary>
    private sealed record ReceivePlan(string ClientId, string Group, string Topic, string Namespace, bool Lite, int BatchSize,
        TimeSpan InvisibleDuration, bool AutoRenew, TimeSpan LongPoll, TagFilter Filter, string? AttemptId, bool Continuous = false,
        long MaxBytes = long.MaxValue, bool Crc32Digest = false, string? StreamAttemptId = null);
}
