using AgentBus.Broker;
using AgentBus.Broker.Inspection;
using AgentBus.Broker.Topics;
using AgentBus.Protocol.Admin;
using AgentBus.Server.Inspection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using ProtoMessageType = Apache.Rocketmq.V2.MessageType;

namespace AgentBus.Server.Services.Admin;

// Topics, groups, lite topics and clients as the broker holds them now: read-only calls.
internal sealed partial class AdminService
{
    /// <inheritdoc />
    public override Task<ListTopicsResponse> ListTopics(ListTopicsRequest request, ServerCallContext context) =>
        Handle(nameof(ListTopics), context, () =>
        {
            var page = _host.Engine.ListTopics(PageToken.Decode(request.PageToken, NameRules.MaxTopicLength),
                PageSize(request.PageSize, BrokerEngine.MaxDefinitionPageSize));
            var response = new ListTopicsResponse { NextPageToken = PageToken.Encode(page.NextAfter) };
            response.Topics.AddRange(page.Items.Select(ToProto));
            return response;
        });

    /// <inheritdoc />
    public override Task<DescribeTopicResponse> DescribeTopic(DescribeTopicRequest request, ServerCallContext context) =>
        Handle(nameof(DescribeTopic), context, () =>
            new DescribeTopicResponse { Topic = ToProto(_host.Engine.DescribeTopic(Required(request.Topic, "topic", NameRules.ValidateTopic))) });

    /// <inheritdoc />
    public override Task<ListGroupsResponse> ListGroups(ListGroupsRequest request, ServerCallContext context) =>
        Handle(nameof(ListGroups), context, () =>
        {
            var page = _host.Engine.ListGroups(PageToken.Decode(request.PageToken, NameRules.MaxGroupLength),
                PageSize(request.PageSize, BrokerEngine.MaxDefinitionPageSize));
            var response = new ListGroupsResponse { NextPageToken = PageToken.Encode(page.NextAfter) };
            response.Groups.AddRange(page.Items.Select(ToProto));
            return response;
        });

    /// <inheritdoc />
    public override Task<DescribeGroupResponse> DescribeGroup(DescribeGroupRequest request, ServerCallContext context) =>
        Handle(nameof(DescribeGroup), context, () =>
            new DescribeGroupResponse { Group = ToProto(_host.Engine.DescribeGroup(Required(request.ConsumerGroup, "consumer_group", NameRules.ValidateGroup))) });

    /// <inheritdoc />
    public override Task<DescribeLiteTopicResponse> DescribeLiteTopic(DescribeLiteTopicRequest request, ServerCallContext context) =>
        Handle(nameof(DescribeLiteTopic), context, () =>
        {
            var engine = _host.Engine;
            string parent = ParentTopic(request.ParentTopic);
            var detail = engine.DescribeLiteTopic(parent, LiteTopicName(request.LiteTopic, engine));
            var response = new DescribeLiteTopicResponse
            {
                Name = detail.Name,
                MinOffset = detail.MinOffset,
                MaxOffset = detail.MaxOffset,
                LastWriteTime = Timestamp.FromDateTimeOffset(detail.LastWriteTime),
                Ttl = Duration.FromTimeSpan(detail.Ttl),
                TtlRemaining = Duration.FromTimeSpan(detail.TtlRemaining),
            };
            foreach (var group in detail.Groups)
            {
                var position = new GroupPosition { ConsumerGroup = group.Group, Backlog = group.Backlog, Inflight = group.Inflight };
                if (group.CommittedOffset is { } committed)
                {
                    position.CommittedOffset = committed;
                }

                response.Groups.Add(position);
            }

            response.Subscribers.AddRange(detail.Subscribers.Select(s => new LiteSubscriber { ClientId = s.ClientId, ConsumerGroup = s.Group, Live = s.Live }));
            return response;
        });

    /// <inheritdoc />
    public override Task<ListClientsResponse> ListClients(ListClientsRequest request, ServerCallContext context) =>
        Handle(nameof(ListClients), context, () =>
        {
            var engine = _host.Engine;
            string? group = Group(request.ConsumerGroup);
            int limit = PageSize(request.PageSize, BrokerEngine.MaxDefinitionPageSize);
            string? after = PageToken.Decode(request.PageToken, ServerClientIdLimit, static id => id.Length > 0);
            var response = new ListClientsResponse();
            foreach (string id in KnownClients.Ids(engine, after))
            {
                var (transport, lite) = KnownClients.Describe(_clients, engine, id);
                var client = ToProto(id, transport, lite);
                if (group is not null && !string.Equals(client.ConsumerGroup, group, StringComparison.Ordinal))
                {
                    continue;
                }

                if (response.Clients.Count == limit)
                {
                    response.NextPageToken = PageToken.Encode(response.Clients[^1].ClientId);
                    break;
                }

                response.Clients.Add(client);
            }

            return response;
        });

    /// <inheritdoc />
    public override Task<GetBrokerStatsResponse> GetBrokerStats(GetBrokerStatsRequest request, ServerCallContext context) =>
        Handle(nameof(GetBrokerStats), context, () =>
        {
            var stats = BrokerStats.Read(_host.Engine, _metrics);
            return new GetBrokerStatsResponse
            {
                StartTime = Timestamp.FromDateTimeOffset(stats.StartTime),
                MessagesIn = stats.MessagesIn,
                BytesIn = stats.BytesIn,
                MessagesOut = stats.MessagesOut,
                MessagesAcked = stats.MessagesAcked,
                TopicCount = stats.TopicCount,
                GroupCount = stats.GroupCount,
                LiteTopicCount = stats.LiteTopicCount,
                LiteSubscriptionCount = stats.LiteSubscriptionCount,
                ClientCount = stats.ClientCount,
                LiteClientCount = stats.LiteClientCount,
                CommitLogBytes = stats.CommitLogBytes,
                SegmentCount = stats.SegmentCount,
            };
        });

    // A page token names the last client id of its page; ids are bounded by Server:MaxClientIdLength, at most this.
    private const int ServerClientIdLimit = 4096;

    private static string Required(string value, string field, Action<string> validate)
    {
        if (value.Length == 0)
        {
            throw Invalid($"{field} is required.");
        }

        validate(value);
        return value;
    }

    private static Topic ToProto(TopicSummary summary)
    {
        var topic = new Topic
        {
            Name = summary.Definition.Name,
            MessageType = ToProto(summary.Definition.MessageType),
            QueueCount = summary.Definition.MessageType == TopicMessageType.Lite ? 0 : summary.Definition.QueueCount,
            MessageCount = summary.MessageCount,
            LiteTopicCount = summary.LiteTopicCount,
        };
        if (summary.LiteTopicTtl is { } ttl)
        {
            topic.LiteTopicTtl = Duration.FromTimeSpan(ttl);
        }

        topic.Groups.AddRange(summary.Groups);
        return topic;
    }

    private static ProtoMessageType ToProto(TopicMessageType type) => type switch
    {
        TopicMessageType.Normal => ProtoMessageType.Normal,
        TopicMessageType.Fifo => ProtoMessageType.Fifo,
        TopicMessageType.Delay => ProtoMessageType.Delay,
        TopicMessageType.Transaction => ProtoMessageType.Transaction,
        TopicMessageType.Lite => ProtoMessageType.Lite,
        _ => ProtoMessageType.Unspecified,
    };

    private static Group ToProto(GroupSummary summary)
    {
        var definition = summary.Definition;
        var group = new Group
        {
            Name = definition.Name,
            BindTopic = definition.BindTopic ?? "",
            Fifo = definition.Fifo,
            LiteMode = definition.LiteMode == LiteSharingMode.Exclusive ? Protocol.Admin.LiteSubscriptionMode.Exclusive : Protocol.Admin.LiteSubscriptionMode.Shared,
            MaxDeliveryAttempts = definition.MaxDeliveryAttempts,
            LiveClientCount = summary.LiveClients,
        };
        group.Backlog.AddRange(summary.Backlog.Select(b => new Protocol.Admin.TopicBacklog
        {
            Topic = b.Topic,
            Backlog = b.Backlog,
            QueuesWithBacklog = b.QueuesWithBacklog,
            Inflight = b.Inflight,
        }));
        return group;
    }

    private static ConnectedClient ToProto(string clientId, Clients.ClientInfo? transport, LiteClientState? lite)
    {
        var client = new ConnectedClient
        {
            ClientId = clientId,
            ConsumerGroup = lite?.Group ?? transport?.Group ?? "",
            ClientType = transport?.ClientType ?? Apache.Rocketmq.V2.ClientType.Unspecified,
            LiteSubscriptionCount = lite?.LiteSubscriptions ?? 0,
            ReadySetSize = lite?.ReadySetSize ?? 0,
            InflightDeliveries = lite?.InflightDeliveries ?? 0,
            TelemetryOpen = transport?.TelemetryOpen ?? false,
            BindTopic = lite?.Topic ?? "",
        };
        if (transport is not null)
        {
            client.LastHeartbeat = Timestamp.FromDateTimeOffset(transport.LastSeen);
        }

        return client;
    }
}
