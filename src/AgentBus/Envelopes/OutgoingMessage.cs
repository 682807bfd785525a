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

    /// <summary>
    /// The client message: built directly rather than through a <see cref="MessageBuilder"/>, whose growing
    /// dictionary is copied again by <c>Build</c> — two dictionaries per send for what is one to four fixed entries.
    /// The names here are the bus's own (parent topic and lite topic validated when configured or mapped).
    /// </summary>
    public readonly Message Build(string parentTopic, string liteTopic, Serialization.Payload payload, Activity? activity)
    {
        if (string.IsNullOrWhiteSpace(liteTopic))
        {
            // A reply-to read from a received envelope: refused as the builder would.
            throw new Client.Errors.InvalidMessageException("A lite topic cannot be blank.", nameof(liteTopic));
        }

        var properties = new PropertyMap(PropertyCount(activity));
        properties.Set(EnvelopeProperties.Envelope, EnvelopeCodec.Write(this, ContentType ?? payload.ContentType));
        if (SessionId is not null)
        {
            properties.Set(EnvelopeProperties.SessionId, SessionId);
        }

        if (IdempotencyKey is not null && Deduplicate)
        {
            properties.Set(Broker.BrokerEngine.DeduplicationKeyProperty, IdempotencyKey);
        }

        if (RequireSubscriber)
        {
            properties.Set(Broker.BrokerEngine.RequireSubscriberProperty, "true");
        }

        if (activity is not null)
        {
            properties.Set(EnvelopeProperties.TraceParent, activity.Id!);
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                properties.Set(EnvelopeProperties.TraceState, activity.TraceStateString);
            }
        }

        return new Message(parentTopic, payload.Body, tag: null, keys: [], messageGroup: null, liteTopic, deliveryTimestamp: null, properties);
    }

    private readonly int PropertyCount(Activity? activity) =>
        1 + (SessionId is null ? 0 : 1) + (IdempotencyKey is not null && Deduplicate ? 1 : 0) + (RequireSubscriber ? 1 : 0) +
        (activity is null ? 0 : string.IsNullOrEmpty(activity.TraceStateString) ? 1 : 2);
}
