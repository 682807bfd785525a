using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Hosting;
using AgentBus.Server.Mapping;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Auth;

/// <summary>
/// Decides whether an authenticated user may make a call: the client id it presents must be its own (bound to the
/// first access key that used it), and the request must be covered by the user's permissions (see
/// <see cref="AuthPermission"/>). Runs before the handler, so a refused call changes nothing.
/// </summary>
internal sealed class Authorizer
{
    private readonly BrokerEngineHost _host;
    private readonly ClientRegistry _clients;
    private readonly AccessPolicyMonitor _policy;

    public Authorizer(BrokerEngineHost host, ClientRegistry clients, AccessPolicyMonitor policy)
    {
        _host = host;
        _clients = clients;
        _policy = policy;
    }

    /// <summary>Why <paramref name="identity"/> may not present <paramref name="clientId"/>, or null when it may (or no id is given).</summary>
    public string? CheckClient(AuthIdentity identity, string? clientId)
    {
        if (clientId is null)
        {
            return null; // the handler answers CLIENT_ID_REQUIRED
        }

        ClientInfo client;
        try
        {
            client = _clients.Find(clientId) ?? _clients.Touch(clientId);
        }
        catch (BrokerException)
        {
            return null; // not admitted (too long, too many clients): the handler refuses it the same way
        }

        string owner = client.BindOwner(identity.AccessKey);
        return string.Equals(owner, identity.AccessKey, StringComparison.Ordinal)
            ? null
            : $"Client id {clientId} belongs to another user.";
    }

    /// <summary>Why <paramref name="identity"/> may not make the call <paramref name="request"/>, or null when it may.</summary>
    public string? CheckRequest(AuthIdentity identity, string? clientId, object request)
    {
        if (identity.Unrestricted || MalformedRequests.ReasonOf(request) is not null)
        {
            return null; // a body that did not decode is answered BAD_REQUEST by its handler, and does nothing
        }

        return request switch
        {
            SendMessageRequest send => Send(identity, send),
            MessageRecord[] records => Send(identity, records),
            IncomingAck ack => Ack(identity, ack),
            QueryRouteRequest route => identity.MayAccess(Name(route.Topic)) ? null : $"No permission on topic {Name(route.Topic)}.",
            QueryAssignmentRequest assignment => Subscribe(identity, Name(assignment.Topic), Name(assignment.Group)),
            ReceiveMessageRequest receive => Receive(identity, clientId, receive),
            SyncLiteSubscriptionRequest sync => Sync(identity, sync),
            AckMessageRequest ack => Ack(identity, ack),
            ChangeInvisibleDurationRequest change => Settle(identity, Name(change.Topic), Name(change.Group), change.ReceiptHandle),
            ForwardMessageToDeadLetterQueueRequest forward => Settle(identity, Name(forward.Topic), Name(forward.Group), forward.ReceiptHandle),
            // Bound to the client id only; what they touch is the caller's own client.
            HeartbeatRequest or NotifyClientTerminationRequest => null,
            // Answered NOT_IMPLEMENTED whoever asks.
            PullMessageRequest or UpdateOffsetRequest or GetOffsetRequest or QueryOffsetRequest or EndTransactionRequest or RecallMessageRequest => null,
            ListLiteTopicsRequest => identity.IsAdmin ? null : "Listing lite topics needs the admin permission.",
            PeekLiteTopicRequest peek => identity.IsAdmin || identity.MaySubscribe(peek.ParentTopic, null, peek.LiteTopic)
                ? null
                : $"No permission to read lite topic {peek.LiteTopic} of {peek.ParentTopic}.",
            // Every other admin call (inspection, offset resets, deletions, dead letters, stats) is for admins only.
            _ when request.GetType().Namespace == typeof(ListLiteTopicsRequest).Namespace =>
                identity.IsAdmin ? null : $"{request.GetType().Name[..^"Request".Length]} needs the admin permission.",
            _ => $"{request.GetType().Name} is not allowed.",
        };
    }

    private static string? Send(AuthIdentity identity, SendMessageRequest request)
    {
        foreach (var message in request.Messages)
        {
            string topic = Name(message.Topic);
            string? liteTopic = message.SystemProperties is { HasLiteTopic: true } system ? system.LiteTopic : null;
            if (!identity.MayPublish(topic, liteTopic))
            {
                return liteTopic is null ? $"No permission to publish to {topic}." : $"No permission to publish to lite topic {liteTopic} of {topic}.";
            }
        }

        return null;
    }

    /// <summary>The records of a send the message stream decoded without the request objects (see <c>IncomingFrame</c>).</summary>
    private static string? Send(AuthIdentity identity, MessageRecord[] records)
    {
        foreach (var record in records)
        {
            if (!identity.MayPublish(record.Topic, record.LiteTopic))
            {
                return record.LiteTopic is null
                    ? $"No permission to publish to {record.Topic}."
                    : $"No permission to publish to lite topic {record.LiteTopic} of {record.Topic}.";
            }
        }

        return null;
    }

    private static string? Subscribe(AuthIdentity identity, string topic, string group) =>
        identity.MaySubscribe(topic, group, null) ? null : $"No permission to subscribe to {topic} in group {group}.";

    /// <summary>
    /// Topic and group; and, once per policy change, the lite topics the client already subscribes to, so a permission
    /// taken away stops the deliveries of a subscription made while it held.
    /// </summary>
    private string? Receive(AuthIdentity identity, string? clientId, ReceiveMessageRequest request)
    {
        string topic = Name(request.MessageQueue?.Topic);
        string group = Name(request.Group);
        if (Subscribe(identity, topic, group) is { } refused)
        {
            return refused;
        }

        if (clientId is null || _clients.Find(clientId) is not { } client)
        {
            return null;
        }

        long generation = _policy.Current.Generation;
        if (Volatile.Read(ref client.AuthorizedGeneration) == generation)
        {
            return null;
        }

        foreach (string liteTopic in _host.Engine.LiteSubscriptionsOf(clientId))
        {
            if (!identity.MaySubscribe(topic, group, liteTopic))
            {
                return $"No permission to subscribe to lite topic {liteTopic} of {topic} in group {group}; unsubscribe it.";
            }
        }

        Volatile.Write(ref client.AuthorizedGeneration, generation);
        return null;
    }

    private static string? Sync(AuthIdentity identity, SyncLiteSubscriptionRequest request)
    {
        string topic = Name(request.Topic);
        string group = Name(request.Group);
        if (Subscribe(identity, topic, group) is { } refused)
        {
            return refused;
        }

        if (request.Action is LiteSubscriptionAction.PartialRemove or LiteSubscriptionAction.CompleteRemove)
        {
            return null; // letting go of one's own subscriptions needs no more
        }

        foreach (string liteTopic in request.LiteTopicSet)
        {
            if (!identity.MaySubscribe(topic, group, liteTopic))
            {
                return $"No permission to subscribe to lite topic {liteTopic} of {topic} in group {group}.";
            }
        }

        return null;
    }

    private string? Ack(AuthIdentity identity, AckMessageRequest request)
    {
        string topic = Name(request.Topic);
        string group = Name(request.Group);
        if (request.Entries.Count == 0)
        {
            return Subscribe(identity, topic, group);
        }

        foreach (var entry in request.Entries)
        {
            if (Settle(identity, topic, group, entry.ReceiptHandle) is { } refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>An ack of the message stream decoded without the request objects (see <see cref="IncomingAck"/>).</summary>
    private string? Ack(AuthIdentity identity, IncomingAck request)
    {
        string group = request.Group ?? "";
        if (request.Entries.Length == 0)
        {
            return Subscribe(identity, request.Topic, group);
        }

        foreach (var entry in request.Entries)
        {
            if (Settle(identity, request.Topic, group, entry.ReceiptHandle) is { } refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>Settling a delivery needs subscribe permission on the topic, group and lite topic its receipt handle belongs to.</summary>
    private string? Settle(AuthIdentity identity, string topic, string group, string receiptHandle)
    {
        if (Subscribe(identity, topic, group) is { } refused)
        {
            return refused;
        }

        // A handle this broker did not issue is refused by the handler, and settles nothing.
        if (_host.Engine.ReceiptTarget(receiptHandle) is { } target && !identity.MaySubscribe(target.Topic, group, target.LiteTopic))
        {
            return target.LiteTopic is null
                ? $"No permission to settle deliveries of {target.Topic} in group {group}."
                : $"No permission to settle deliveries of lite topic {target.LiteTopic} of {target.Topic} in group {group}.";
        }

        return null;
    }

    private static string Name(Resource? resource) => resource?.Name ?? "";
}
