using System.Diagnostics;
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
            .AddProperty(EnvelopeProperties.Envelope, EnvelopeCodec.Write(this, ContentType ?? payload.ContentType));
        if (SessionId is not null)
        {
            builder.AddProperty(EnvelopeProperties.SessionId, SessionId);
        }

        if (IdempotencyKey is not null && Deduplicate)
        {
            builder.AddProperty(Broker.BrokerEngine.DeduplicationKeyProperty, IdempotencyKey);
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
