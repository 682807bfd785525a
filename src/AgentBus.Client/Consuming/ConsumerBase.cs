using AgentBus.Client.Configuration;
using AgentBus.Client.Core;
using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using AgentBus.Client.Messages;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RetryPolicy = AgentBus.Client.Core.RetryPolicy;

namespace AgentBus.Client.Consuming;

/// <summary>
/// What every consumer shares: its group, the long-polling <c>ReceiveMessage</c> call and settling received messages
/// (ack, change of invisible duration, dead-lettering), each against the endpoint the message came from.
/// </summary>
public abstract class ConsumerBase : Core.ClientBase
{
    private protected ConsumerBase(ClientConfiguration configuration, ClientType clientType, string consumerGroup)
        : base(configuration, clientType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerGroup);
        ConsumerGroup = consumerGroup;
        Settings.RetryPolicy = RetryPolicy.Exponential(16, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 2);
    }

    /// <summary>
    /// AgentBus extension header of a receive: with <see cref="ContinuousReceiveMode"/> the broker keeps the stream
    /// open and delivers messages as they become ready (up to the batch size); other brokers ignore it.
    /// </summary>
    internal const string ContinuousReceiveHeader = "agentbus-receive-mode";

    /// <summary>
    /// AgentBus extension header of a receive: deliver each body's digest as CRC32 rather than MD5 (far cheaper to
    /// compute on both sides). A broker that does not know it sends its usual digest, which the client checks as well.
    /// </summary>
    internal const string BodyDigestHeader = "agentbus-body-digest";

    /// <summary>The <see cref="BodyDigestHeader"/> value.</summary>
    internal const string Crc32BodyDigest = "crc32";

    /// <summary>The <see cref="ContinuousReceiveHeader"/> value.</summary>
    internal const string ContinuousReceiveMode = "continuous";

    /// <summary>AgentBus extension header of a continuous receive: the body bytes after which the broker ends it.</summary>
    internal const string ContinuousMaxBytesHeader = "agentbus-receive-max-bytes";

    /// <summary>The consumer group.</summary>
    public string ConsumerGroup { get; }

    private protected override string? GroupName => ConsumerGroup;

    /// <summary>Whether settle calls carry the message's lite topic (lite consumers).</summary>
    private protected virtual bool IsLite => false;

    private protected override void ApplySettings(Settings settings)
    {
        if (settings.BackoffPolicy is { } policy)
        {
            Settings.RetryPolicy = RetryPolicy.From(policy);
        }
    }

    /// <summary>
    /// One long poll: the broker answers a delivery timestamp, the messages and a closing status (MESSAGE_NOT_FOUND
    /// when the poll ended empty, which is not an error).
    /// </summary>
    /// <remarks>
    /// With <see cref="PollRequest.OnMessage"/>, each message is handed over the moment it arrives (push consumers start
    /// consuming before the stream's closing status) and the returned list stays empty. A receive retried after a
    /// failure carries the same <see cref="PollRequest.AttemptId"/>, so a broker that already answered it can answer
    /// again. With <see cref="PollRequest.Continuous"/> an AgentBus broker keeps the stream open and the batch size bounds
    /// the messages of the whole stream, <see cref="PollRequest.ContinuousMaxBytes"/> (when positive) its body bytes.
    /// </remarks>
    internal async Task<List<MessageView>> ReceiveCoreAsync(PollRequest poll, CancellationToken ct)
    {
        var request = new ReceiveMessageRequest
        {
            Group = Resource(ConsumerGroup),
            MessageQueue = poll.Queue,
            FilterExpression = poll.Filter.ToProtobuf(),
            BatchSize = poll.BatchSize,
            AutoRenew = poll.AutoRenew,
            LongPollingTimeout = Duration.FromTimeSpan(poll.LongPollingTimeout),
        };
        if (poll.InvisibleDuration is { } invisible)
        {
            request.InvisibleDuration = Duration.FromTimeSpan(invisible);
        }

        if (poll.AttemptId is { } attemptId)
        {
            request.AttemptId = attemptId;
        }

        var queue = poll.Queue;
        var onMessage = poll.OnMessage;
        bool continuous = poll.Continuous;
        var target = Invoker.Endpoint(poll.Endpoint);
        var client = target.Client;
        var options = Invoker.Options(RequestTimeout + poll.LongPollingTimeout, ct, out string requestId);
        options.Headers!.Add(BodyDigestHeader, Crc32BodyDigest);
        if (continuous)
        {
            options.Headers!.Add(ContinuousReceiveHeader, ContinuousReceiveMode);
            if (poll.ContinuousMaxBytes > 0)
            {
                options.Headers.Add(ContinuousMaxBytesHeader, poll.ContinuousMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var messages = new List<MessageView>(Math.Min(poll.BatchSize, 64));
        Apache.Rocketmq.V2.Status? status = null;
        try
        {
            using var call = client.ReceiveDecoded(request, options);
            if (continuous && !target.ServesContinuousReceive)
            {
                // An AgentBus broker confirms a continuous receive in the response headers; from then on the consumer
                // asks it for whole streams.
                var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
                if (headers.GetValue(ContinuousReceiveHeader) == ContinuousReceiveMode)
                {
                    target.ServesContinuousReceive = true;
                }
            }

            // Bounded by the call's deadline.
            while (await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                switch (call.ResponseStream.Current)
                {
                    case MessageView decoded:
                        var view = decoded.Received(queue, target.AccessPoint);
                        if (view.DecodeProblem is { } problem)
                        {
                            ClientLog.UndecodableField(Logger, ClientId, view.MessageId, problem);
                        }

                        if (onMessage is null)
                        {
                            messages.Add(view);
                        }
                        else
                        {
                            onMessage(view);
                        }

                        break;
                    case Apache.Rocketmq.V2.Status received:
                        status = received;
                        break;
                }
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
        {
            // Messages that arrived before the cancellation are the caller's to settle; the broker releases the rest.
            return messages.Count > 0 ? messages : throw new OperationCanceledException(ct);
        }
        catch (RpcException ex)
        {
            if (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                target.Failover(client);
            }

            throw StatusChecker.FromRpc(ex, requestId);
        }

        if (status is { Code: Code.MessageNotFound })
        {
            return messages;
        }

        StatusChecker.Check(status, requestId);
        return messages;
    }

    /// <summary>Acknowledges messages of one topic and endpoint in one call; returns the per-entry codes.</summary>
    internal async Task<AckOutcome> AckCoreAsync(AccessPoint endpoint, string topic, IReadOnlyList<MessageView> messages, CancellationToken ct,
        bool throwOnError = false)
    {
        var request = new AckMessageRequest { Group = Resource(ConsumerGroup), Topic = Resource(topic) };
        foreach (var message in messages)
        {
            var entry = new AckMessageEntry { MessageId = message.MessageId, ReceiptHandle = message.ReceiptHandle };
            if (IsLite && message.LiteTopic is { } liteTopic)
            {
                entry.LiteTopic = liteTopic;
            }

            request.Entries.Add(entry);
        }

        return await Invoker.AckAsync(Invoker.Endpoint(endpoint), request, throwOnError ? static r => r.Status : null, RequestTimeout, ct).ConfigureAwait(false);
    }

    /// <summary>Acknowledges one message, throwing the typed exception when the broker refuses.</summary>
    internal async Task AckOneAsync(MessageView message, CancellationToken ct)
    {
        var outcome = await AckCoreAsync(message.Endpoint, message.Topic, [message], ct, throwOnError: true).ConfigureAwait(false);
        if (outcome.Entries.Count > 0)
        {
            StatusChecker.Check(outcome.Entries[0], null);
        }
    }

    /// <summary>Changes how long a message stays invisible; the message's receipt handle is replaced by the new one.</summary>
    internal async Task ChangeInvisibleCoreAsync(MessageView message, TimeSpan duration, bool suspend, CancellationToken ct)
    {
        var request = new ChangeInvisibleDurationRequest
        {
            Group = Resource(ConsumerGroup),
            Topic = Resource(message.Topic),
            ReceiptHandle = message.ReceiptHandle,
            InvisibleDuration = Duration.FromTimeSpan(duration),
            MessageId = message.MessageId,
        };
        if (IsLite && message.LiteTopic is { } liteTopic)
        {
            request.LiteTopic = liteTopic;
            request.Suspend = suspend;
        }

        var response = await Invoker.ChangeInvisibleDurationAsync(Invoker.Endpoint(message.Endpoint), request, RequestTimeout, ct).ConfigureAwait(false);
        if (response.ReceiptHandle.Length > 0)
        {
            message.UpdateReceiptHandle(response.ReceiptHandle);
        }
    }

    /// <summary>Moves a message that ran out of attempts to the group's dead-letter queue.</summary>
    internal async Task ForwardToDeadLetterCoreAsync(MessageView message, int maxAttempts, CancellationToken ct)
    {
        var request = new ForwardMessageToDeadLetterQueueRequest
        {
            Group = Resource(ConsumerGroup),
            Topic = Resource(message.Topic),
            ReceiptHandle = message.ReceiptHandle,
            MessageId = message.MessageId,
            DeliveryAttempt = message.DeliveryAttempt,
            MaxDeliveryAttempts = maxAttempts,
        };
        if (IsLite && message.LiteTopic is { } liteTopic)
        {
            request.LiteTopic = liteTopic;
        }

        var response = await Invoker.UnaryAsync(Invoker.Endpoint(message.Endpoint), request, static (c, r, o) => c.ForwardMessageToDeadLetterQueueAsync(r, o),
            RequestTimeout, ct, static r => r.Status).ConfigureAwait(false);
    }

    /// <summary>Checks a simple consumer's receive arguments.</summary>
    private protected static void ValidateReceive(int maxMessages, TimeSpan invisibleDuration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(invisibleDuration, TimeSpan.Zero);
    }
}
