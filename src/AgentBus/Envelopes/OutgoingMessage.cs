using System.Diagnostics;
using System.Globalization;
using AgentBus.Client.Messages;

namespace AgentBus.Envelopes;

/// <summary>The envelope of a message being sent, written into a <see cref="MessageBuilder"/>.</summary>
internal struct OutgoingMessage
{
    public MessageKind Kind;
    public string MessageId;
    public string? RequestId;
    public string? ReplyTo;
    public string? SessionId;
    public long? Sequence;
    public int ChunkCount;
    public DateTimeOffset? Deadline;
    public string? IdempotencyKey;
    public int Attempt;
    public string? From;
    public string? To;
    public string? ContentType;
    public string? ErrorType;
    public bool RequireSubscriber;
    public bool Deduplicate;

    public OutgoingMessage(MessageKind kind, string messageId)
    {
        Kind = kind;
        MessageId = messageId;
        Attempt = 1;
    }

    public readonly Message Build(string parentTopic, string liteTopic, Serialization.Payload payload, Activity? activity)
    {
        var builder = new MessageBuilder().SetTopic(parentTopic).SetLiteTopic(liteTopic).SetBody(payload.Body)
            .AddProperty(EnvelopeProperties.Kind, MessageKinds.ToWire(Kind))
            .AddProperty(EnvelopeProperties.MessageId, MessageId);
        if (RequestId is not null)
        {
            builder.AddProperty(EnvelopeProperties.RequestId, RequestId);
        }

        if (ReplyTo is not null)
        {
            builder.AddProperty(EnvelopeProperties.ReplyTo, ReplyTo);
        }

        if (SessionId is not null)
        {
            builder.AddProperty(EnvelopeProperties.SessionId, SessionId);
        }

        if (Sequence is { } sequence)
        {
            builder.AddProperty(EnvelopeProperties.Sequence, sequence.ToString(CultureInfo.InvariantCulture));
        }

        if (ChunkCount > 1)
        {
            builder.AddProperty(EnvelopeProperties.ChunkCount, ChunkCount.ToString(CultureInfo.InvariantCulture));
        }

        if (Deadline is { } deadline)
        {
            builder.AddProperty(EnvelopeProperties.Deadline, deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        }

        if (IdempotencyKey is not null)
        {
            builder.AddProperty(EnvelopeProperties.IdempotencyKey, IdempotencyKey);
            if (Deduplicate)
            {
                builder.AddProperty(Broker.BrokerEngine.DeduplicationKeyProperty, IdempotencyKey);
            }
        }

        if (Attempt > 1)
        {
            builder.AddProperty(EnvelopeProperties.Attempt, Attempt.ToString(CultureInfo.InvariantCulture));
        }

        if (From is not null)
        {
            builder.AddProperty(EnvelopeProperties.From, From);
        }

        if (!string.IsNullOrEmpty(To))
        {
            builder.AddProperty(EnvelopeProperties.To, To);
        }

        if ((ContentType ?? payload.ContentType) is { } contentType)
        {
            builder.AddProperty(EnvelopeProperties.ContentType, contentType);
        }

        if (ErrorType is not null)
        {
            builder.AddProperty(EnvelopeProperties.ErrorType, ErrorType);
        }

        if (RequireSubscriber)
        {
            builder.AddProperty(Broker.BrokerEngine.RequireSubscriberProperty, "true");
        }

        if (activity is not null)
        {
            builder.AddProperty(EnvelopeProperties.TraceParent, activity.Id!);
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                builder.AddProperty(EnvelopeProperties.TraceState, activity.TraceStateString);
            }
        }

        return builder.Build();
    }
}
