using System.Diagnostics;
using AgentBus.Broker.Consumption;
using AgentBus.Broker.Messages;

namespace AgentBus.Server.Tracing;

/// <summary>
/// The broker's spans on ActivitySource <c>AgentBus.Server</c>, named and tagged after the OpenTelemetry messaging
/// conventions: <c>send {topic}</c> when a SendMessage call stores messages, <c>deliver {topic}</c> when a
/// ReceiveMessage call writes them to a consumer. Each span is parented on the W3C <c>traceparent</c> (and
/// <c>tracestate</c>) user property of the first message it carries and linked to the other messages' contexts, so a
/// producer's trace runs through the broker to the consumer. Nothing is allocated or read when no listener samples
/// the source: <see cref="ActivitySource.HasListeners"/> is checked first.
/// </summary>
internal static class BrokerTracing
{
    /// <summary>Name of the ActivitySource.</summary>
    public const string SourceName = "AgentBus.Server";

    /// <summary>The W3C trace context property the agent layer and other instrumented producers set.</summary>
    public const string TraceParentProperty = "traceparent";

    /// <summary>The W3C trace state property beside <see cref="TraceParentProperty"/>.</summary>
    public const string TraceStateProperty = "tracestate";

    /// <summary>Links a span carries at most (one per further message of a batch with a trace context).</summary>
    internal const int MaxLinks = 128;

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the span of a send; null when nobody listens. The caller has checked <see cref="ActivitySource.HasListeners"/>.</summary>
    /// <param name="records">The messages of the request, validated.</param>
    /// <param name="clientId">The producer's client id.</param>
    public static Activity? StartSend(IReadOnlyList<MessageRecord> records, string clientId)
    {
        var first = records[0];
        var parent = ParentOf(first);
        var activity = Source.StartActivity(ActivityKind.Server, parent, tags: null, Links(records, parent), name: "send " + first.Topic);
        if (activity is { IsAllDataRequested: true })
        {
            Operation(activity, "send", "send", first.Topic, clientId);
            Describe(activity, first, records.Count);
        }

        return activity;
    }

    /// <summary>Starts the span of a delivery batch; null when nobody listens. The caller has checked <see cref="ActivitySource.HasListeners"/>.</summary>
    /// <param name="deliveries">What is written, at least one.</param>
    /// <param name="group">The consumer group.</param>
    /// <param name="clientId">The consumer's client id.</param>
    public static Activity? StartDeliver(IReadOnlyList<Delivery> deliveries, string group, string clientId)
    {
        var first = deliveries[0].Message;
        var parent = ParentOf(first);
        var activity = Source.StartActivity(ActivityKind.Producer, parent, tags: null, Links(deliveries, parent), name: "deliver " + first.Topic);
        if (activity is { IsAllDataRequested: true })
        {
            Operation(activity, "receive", "deliver", first.Topic, clientId);
            activity.SetTag("messaging.consumer.group.name", group);
            if (deliveries.Count == 1)
            {
                activity.SetTag("messaging.rocketmq.message.delivery_attempt", deliveries[0].DeliveryAttempt);
            }

            Describe(activity, first, deliveries.Count);
        }

        return activity;
    }

    /// <summary>Marks a span failed with the error's type, as the conventions' <c>error.type</c> asks.</summary>
    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
    }

    /// <summary>
    /// The parent of a span about <paramref name="first"/>: the context the message carries, or else the ambient
    /// activity when it is sampled. The host's own request activity, kept for log correlation and recorded by nobody,
    /// is set aside (in the caller's async flow only): under it a parent-based sampler would drop the broker's span,
    /// which starts a trace of its own instead.
    /// </summary>
    private static ActivityContext ParentOf(MessageRecord first)
    {
        var context = ContextOf(first);
        if (context == default && Activity.Current is { Recorded: false })
        {
            Activity.Current = null;
        }

        return context;
    }

    /// <summary>The trace context a message carries in its properties; default when it has none or it does not parse.</summary>
    internal static ActivityContext ContextOf(MessageRecord record)
    {
        var properties = record.Properties;
        if (properties.Count == 0 || !properties.TryGetValue(TraceParentProperty, out string? traceParent))
        {
            return default;
        }

        properties.TryGetValue(TraceStateProperty, out string? traceState);
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    private static void Describe(Activity activity, MessageRecord first, int count)
    {
        if (count == 1)
        {
            activity.SetTag("messaging.message.id", first.MessageId);
            activity.SetTag("messaging.message.body.size", first.Body.Length);
            if (first.Tag is { } tag)
            {
                activity.SetTag("messaging.rocketmq.message.tag", tag);
            }

            if (first.MessageGroup is { } messageGroup)
            {
                activity.SetTag("messaging.rocketmq.message.group", messageGroup);
            }

            if (first.LiteTopic is { } liteTopic)
            {
                activity.SetTag("agentbus.lite_topic", liteTopic);
            }
        }
        else
        {
            activity.SetTag("messaging.batch.message_count", count);
        }
    }

    private static List<ActivityLink>? Links(IReadOnlyList<MessageRecord> records, ActivityContext parent)
    {
        List<ActivityLink>? links = null;
        for (int i = 1; i < records.Count; i++)
        {
            Link(ref links, ContextOf(records[i]), parent);
        }

        return links;
    }

    private static List<ActivityLink>? Links(IReadOnlyList<Delivery> deliveries, ActivityContext parent)
    {
        List<ActivityLink>? links = null;
        for (int i = 1; i < deliveries.Count; i++)
        {
            Link(ref links, ContextOf(deliveries[i].Message), parent);
        }

        return links;
    }

    private static void Link(ref List<ActivityLink>? links, ActivityContext context, ActivityContext parent)
    {
        if (context == default || context == parent || links?.Count >= MaxLinks)
        {
            return;
        }

        links ??= [];
        links.Add(new ActivityLink(context));
    }

    /// <summary>The messaging semantic-convention tags every broker span carries.</summary>
    private static void Operation(Activity activity, string type, string name, string topic, string clientId)
    {
        activity.SetTag("messaging.system", "rocketmq");
        activity.SetTag("messaging.operation.type", type);
        activity.SetTag("messaging.operation.name", name);
        activity.SetTag("messaging.destination.name", topic);
        activity.SetTag("messaging.client.id", clientId);
    }
}
