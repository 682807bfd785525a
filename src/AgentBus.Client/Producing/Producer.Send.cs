using AgentBus.Client.Core;
using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using AgentBus.Client.Messages;
using AgentBus.Client.Metrics;
using AgentBus.Client.Transport;
using AgentBus.Protocol.Messages;
using Apache.Rocketmq.V2;
using Message = AgentBus.Client.Messages.Message;

namespace AgentBus.Client.Producing;

public sealed partial class Producer
{
    /// <summary>Sends one message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="ct">Cancels waiting for the answer (the message may still be stored).</param>
    /// <returns>The broker's receipt.</returns>
    /// <exception cref="ClientException">The broker refused the message (typed by status code) or could not be reached after all attempts.</exception>
    /// <exception cref="InvalidMessageException">The message does not fit the topic's type or is too large.</exception>
    public Task<SendReceipt> SendAsync(Message message, CancellationToken ct = default)
    {
        if (message is null)
        {
            return Task.FromException<SendReceipt>(new ArgumentNullException(nameof(message)));
        }

        if (_coalescer is not { } coalescer)
        {
            return SendOneAsync(message, ct);
        }

        try
        {
            EnsureRunning();
        }
        catch (Exception ex)
        {
            return Task.FromException<SendReceipt>(ex); // as from an async method: the failure is the task's
        }

        return coalescer.SendAsync(message, ct);
    }

    private async Task<SendReceipt> SendOneAsync(Message message, CancellationToken ct)
    {
        var receipts = await SendCoreAsync([message], ct).ConfigureAwait(false);
        return receipts[0];
    }

    /// <summary>
    /// Sends several messages of one topic and one type in a single request; they are stored together or refused
    /// together. FIFO messages of one batch must share their message group.
    /// </summary>
    /// <param name="messages">The messages.</param>
    /// <param name="ct">Cancels waiting for the answer.</param>
    /// <returns>One receipt per message, in order.</returns>
    public Task<IReadOnlyList<SendReceipt>> SendAsync(IReadOnlyList<Message> messages, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw new InvalidMessageException("A batch needs at least one message.", nameof(messages));
        }

        return SendCoreAsync(messages, ct);
    }

    internal async Task<IReadOnlyList<SendReceipt>> SendCoreAsync(IReadOnlyList<Message> messages, CancellationToken ct)
    {
        EnsureRunning();
        var first = messages[0];
        var type = TypeOf(first);
        int maxBody = Settings.MaxBodySize;
        var ids = new string[messages.Count];
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (!string.Equals(message.Topic, first.Topic, StringComparison.Ordinal) || TypeOf(message) != type)
            {
                throw new InvalidMessageException("Messages of one batch must share their topic and type.", nameof(messages));
            }

            if (type == MessageType.Fifo && !string.Equals(message.MessageGroup, first.MessageGroup, StringComparison.Ordinal))
            {
                throw new InvalidMessageException("FIFO messages of one batch must share their message group.", nameof(messages));
            }

            if (message.Body.Length > maxBody)
            {
                throw new PayloadTooLargeException((int)Code.MessageBodyTooLarge,
                    $"The body is {message.Body.Length} bytes; the broker accepts at most {maxBody}.");
            }

            ids[i] = MessageIdGenerator.Next();
        }

        var route = await GetRouteAsync(first.Topic, ct).ConfigureAwait(false);
        var queues = route.Writable;
        if (queues.Count == 0)
        {
            throw new NotFoundException((int)Code.TopicNotFound, $"Topic '{first.Topic}' has no writable queue.");
        }

        var policy = Settings.RetryPolicy;
        int start = first.MessageGroup is { } group ? SipHash24.QueueIndex(group, queues.Count) : route.NextIndex();
        // Bounded: at most MaxAttempts rounds.
        for (int attempt = 1; ; attempt++)
        {
            // A FIFO message keeps its queue; others move on to the next queue on retry.
            var queue = queues[(type == MessageType.Fifo ? start : start + attempt - 1) % queues.Count];
            if (Settings.ValidateMessageType && queue.AcceptMessageTypes.Count > 0 && !queue.AcceptMessageTypes.Contains(type))
            {
                throw new InvalidMessageException(
                    $"Topic '{first.Topic}' accepts {string.Join(", ", queue.AcceptMessageTypes)} messages, not {type}.");
            }

            try
            {
                var receipts = await SendOnceAsync(messages, ids, type, queue, route.EndpointOf(queue), ct).ConfigureAwait(false);
                ClientMetrics.Sent(receipts.Count);
                return receipts;
            }
            catch (ClientException ex) when (attempt < policy.MaxAttempts && IsRetryable(ex) && !ct.IsCancellationRequested)
            {
                var delay = ex is TooManyRequestsException ? policy.NextAttemptDelay(attempt) : TimeSpan.Zero;
                ClientLog.SendRetry(Logger, ClientId, first.Topic, attempt, policy.MaxAttempts, delay.TotalMilliseconds, ex.Message);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, Time, ct).ConfigureAwait(false);
                }
            }
            catch (ClientException)
            {
                ClientMetrics.SendFailed();
                throw;
            }
        }
    }

    private async Task<IReadOnlyList<SendReceipt>> SendOnceAsync(IReadOnlyList<Message> messages, string[] ids, MessageType type,
        MessageQueue queue, AccessPoint? endpoint, CancellationToken ct)
    {
        var request = new OutgoingBatch(messages, ids, type, queue.Id, Configuration.Namespace, ClientIdentity.HostName, Time.GetUtcNow());
        var response = await Invoker.SendAsync(Invoker.Endpoint(endpoint), request, RequestTimeout, ct).ConfigureAwait(false);
        if (response.Entries.Count != messages.Count)
        {
            throw new InternalErrorException((int)Code.InternalError,
                $"The broker answered {response.Entries.Count} entries for {messages.Count} messages.");
        }

        var receipts = new SendReceipt[messages.Count];
        for (int i = 0; i < receipts.Length; i++)
        {
            var entry = response.Entries[i];
            if (entry.Status is { } status)
            {
                StatusChecker.Check(status, null);
            }

            receipts[i] = new SendReceipt(entry.MessageId.Length > 0 ? entry.MessageId : ids[i], entry.Offset, messages[i].Topic, queue.Id,
                entry.TransactionId, entry.RecallHandle);
        }

        return receipts;
    }

    private static MessageType TypeOf(Message message) =>
        MessageTypes.Of(message.LiteTopic is not null, message.MessageGroup is not null, message.DeliveryTimestamp is not null);

    /// <summary>Failures worth another attempt: the network, timeouts, throttling and internal errors; not refusals.</summary>
    private static bool IsRetryable(ClientException exception) =>
        exception is NetworkException or RequestTimeoutException or TooManyRequestsException or InternalErrorException or ProxyTimeoutException;
}
