using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Admin = AgentBus.Protocol.Admin;

namespace AgentBus.Reliability.Tests.Fuzz;

/// <summary>
/// A well-formed request for each RPC, naming the fuzzed broker's real topics, groups and lite topics, and receipt
/// handles of messages it really delivered, so mutations reach past the first validation into the handlers.
/// </summary>
internal sealed class Seeds(IReadOnlyList<(string MessageId, string ReceiptHandle)> deliveries)
{
    public const string NormalTopic = "fuzz-normal";
    public const string LiteParent = "fuzz-lite";
    public const string Group = "fuzz-group";
    public const string LiteTopic = "fuzz-session";
    private const string MadeName = "fuzz-made";

    private static Admin.Topic MadeTopic(Random random) => new()
    {
        Name = MadeName,
        MessageType = (MessageType)random.Next(0, 7),
        QueueCount = random.Next(-1, 6),
        LiteTopicTtl = random.Next(3) == 0 ? Duration.FromTimeSpan(TimeSpan.FromSeconds(random.Next(-5, 120))) : null,
    };

    private static Admin.Group MadeGroup(Random random) => new()
    {
        Name = MadeName,
        BindTopic = random.Next(2) == 0 ? LiteParent : "",
        Fifo = random.Next(2) == 0,
        LiteMode = (Admin.LiteSubscriptionMode)random.Next(0, 4),
        MaxDeliveryAttempts = random.Next(-1, 20),
    };

    public IMessage For(Rpc rpc, Random random)
    {
        var (messageId, receipt) = deliveries.Count == 0 ? ("", "") : deliveries[random.Next(deliveries.Count)];
        return rpc.Name switch
        {
            "QueryRoute" => new QueryRouteRequest { Topic = Res(NormalTopic), Endpoints = Endpoints() },
            "Heartbeat" => new HeartbeatRequest { Group = Res(Group), ClientType = ClientType.SimpleConsumer },
            "SendMessage" => new SendMessageRequest { Messages = { NewMessage(random.Next(2) == 0, random) } },
            "QueryAssignment" => new QueryAssignmentRequest { Topic = Res(NormalTopic), Group = Res(Group), Endpoints = Endpoints() },
            "ReceiveMessage" => new ReceiveMessageRequest
            {
                Group = Res(Group),
                MessageQueue = Queue(random.Next(-1, 4)),
                FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
                BatchSize = 4,
                InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
                LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(50)),
            },
            "AckMessage" => new AckMessageRequest
            {
                Group = Res(Group), Topic = Res(NormalTopic), Entries = { new AckMessageEntry { MessageId = messageId, ReceiptHandle = receipt } },
            },
            "ForwardMessageToDeadLetterQueue" => new ForwardMessageToDeadLetterQueueRequest
            {
                Group = Res(Group), Topic = Res(NormalTopic), ReceiptHandle = receipt, MessageId = messageId, DeliveryAttempt = 1, MaxDeliveryAttempts = 16,
            },
            "PullMessage" => new PullMessageRequest
            {
                Group = Res(Group), MessageQueue = Queue(0), Offset = 0, BatchSize = 4,
                FilterExpression = new FilterExpression { Type = FilterType.Tag, Expression = "*" },
                LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(50)),
            },
            "UpdateOffset" => new UpdateOffsetRequest { Group = Res(Group), MessageQueue = Queue(0), Offset = 1 },
            "GetOffset" => new GetOffsetRequest { Group = Res(Group), MessageQueue = Queue(0) },
            "QueryOffset" => new QueryOffsetRequest { MessageQueue = Queue(0), QueryOffsetPolicy = QueryOffsetPolicy.Timestamp, Timestamp = Timestamp.FromDateTime(DateTime.UtcNow) },
            "EndTransaction" => new EndTransactionRequest
            {
                Topic = Res(NormalTopic), MessageId = messageId, TransactionId = "tx-1", Resolution = TransactionResolution.Commit, Source = TransactionSource.SourceClient,
            },
            "Telemetry" => new TelemetryCommand
            {
                Settings = new Settings
                {
                    ClientType = ClientType.Producer,
                    AccessPoint = Endpoints(),
                    RequestTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(3)),
                    Publishing = new Publishing { Topics = { Res(NormalTopic), Res(LiteParent) } },
                    UserAgent = new UA { Language = Language.DotNet, Version = "5.0.0", Platform = "linux", Hostname = "fuzz" },
                },
            },
            "NotifyClientTermination" => new NotifyClientTerminationRequest { Group = Res(Group) },
            "ChangeInvisibleDuration" => new ChangeInvisibleDurationRequest
            {
                Group = Res(Group), Topic = Res(NormalTopic), ReceiptHandle = receipt, MessageId = messageId,
                InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            },
            "RecallMessage" => new RecallMessageRequest { Topic = Res(NormalTopic), RecallHandle = "recall-1" },
            "SyncLiteSubscription" => SyncLite(random),
            "ListLiteTopics" => new Admin.ListLiteTopicsRequest { ParentTopic = LiteParent, PageSize = 10, ConsumerGroup = Group },
            "PeekLiteTopic" => new Admin.PeekLiteTopicRequest { ParentTopic = LiteParent, LiteTopic = LiteTopic, FromOffset = 0, MaxMessages = 10 },
            "PeekQueue" => new Admin.PeekQueueRequest { Topic = NormalTopic, QueueId = random.Next(-1, 5), FromOffset = random.Next(-1, 5), MaxMessages = 10 },
            "LookupMessages" => random.Next(2) == 0
                ? new Admin.LookupMessagesRequest { MessageId = messageId, MaxMessages = 10 }
                : new Admin.LookupMessagesRequest { Key = "k" + random.Next(3), Topic = NormalTopic, MaxMessages = random.Next(-1, 5) },
            "ListTopics" => new Admin.ListTopicsRequest { PageSize = 10 },
            "DescribeTopic" => new Admin.DescribeTopicRequest { Topic = LiteParent },
            "ListGroups" => new Admin.ListGroupsRequest { PageSize = 10 },
            "DescribeGroup" => new Admin.DescribeGroupRequest { ConsumerGroup = Group },
            "DescribeLiteTopic" => new Admin.DescribeLiteTopicRequest { ParentTopic = LiteParent, LiteTopic = LiteTopic },
            "ListClients" => new Admin.ListClientsRequest { ConsumerGroup = Group, PageSize = 10 },
            "ResetOffset" => new Admin.ResetOffsetRequest
            {
                ParentTopic = LiteParent, LiteTopic = LiteTopic, ConsumerGroup = Group, Position = (Admin.ResetPosition)random.Next(0, 4), Offset = random.Next(-2, 5),
            },
            "DeleteLiteTopic" => new Admin.DeleteLiteTopicRequest { ParentTopic = LiteParent, LiteTopic = LiteTopic + "-gone" },
            "GetBrokerStats" => new Admin.GetBrokerStatsRequest(),
            "ListDeadLetters" => new Admin.ListDeadLettersRequest { ConsumerGroup = Group, FromOffset = 0, MaxMessages = 10 },
            "ReplayDeadLetters" => new Admin.ReplayDeadLettersRequest { ConsumerGroup = Group, MaxMessages = 10 },
            "PurgeDeadLetters" => new Admin.PurgeDeadLettersRequest { ConsumerGroup = Group },
            // Definitions of their own, so the fixtures the other calls use stay.
            "CreateTopic" => new Admin.CreateTopicRequest { Topic = MadeTopic(random) },
            "UpdateTopic" => new Admin.UpdateTopicRequest { Topic = MadeTopic(random) },
            "DeleteTopic" => new Admin.DeleteTopicRequest { Topic = MadeName },
            "CreateGroup" => new Admin.CreateGroupRequest { Group = MadeGroup(random) },
            "UpdateGroup" => new Admin.UpdateGroupRequest { Group = MadeGroup(random) },
            "DeleteGroup" => new Admin.DeleteGroupRequest { Group = MadeName },
            // A frame of the message stream carries the request of the call it stands for.
            "Open" => (random.Next(3)) switch
            {
                0 => new AgentBus.Protocol.Stream.ClientFrame { Id = (ulong)random.Next(0, 100), Send = (SendMessageRequest)For(Rpc.All.First(static r => r.Name == "SendMessage"), random) },
                1 => new AgentBus.Protocol.Stream.ClientFrame { Id = (ulong)random.Next(0, 100), Ack = (AckMessageRequest)For(Rpc.All.First(static r => r.Name == "AckMessage"), random) },
                _ => new AgentBus.Protocol.Stream.ClientFrame
                {
                    Id = (ulong)random.Next(0, 100),
                    ChangeInvisibleDuration = (ChangeInvisibleDurationRequest)For(Rpc.All.First(static r => r.Name == "ChangeInvisibleDuration"), random),
                },
            },
            _ => throw new ArgumentOutOfRangeException(nameof(rpc), rpc.Name, "no seed"),
        };
    }

    /// <summary>
    /// A lite subscription change with each kind of offset option (edge values included) and, now and then, more lite
    /// topics than Server:MaxLiteTopicsPerRequest takes.
    /// </summary>
    private static SyncLiteSubscriptionRequest SyncLite(Random random)
    {
        var request = new SyncLiteSubscriptionRequest
        {
            Action = (LiteSubscriptionAction)random.Next(0, 4), Topic = Res(LiteParent), Group = Res(Group), LiteTopicSet = { LiteTopic }, Version = 1,
        };
        long[] edges = [0, 1, -1, long.MaxValue, long.MinValue, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()];
        switch (random.Next(6))
        {
            case 0:
                request.OffsetOption = new OffsetOption { Policy = (OffsetOption.Types.Policy)random.Next(0, 4) };
                break;
            case 1:
                request.OffsetOption = new OffsetOption { Offset = edges[random.Next(edges.Length)] };
                break;
            case 2:
                request.OffsetOption = new OffsetOption { TailN = edges[random.Next(edges.Length)] };
                break;
            case 3:
                request.OffsetOption = new OffsetOption { Timestamp = edges[random.Next(edges.Length)] };
                break;
            case 4 when random.Next(4) == 0:
                request.LiteTopicSet.Add(Enumerable.Range(0, random.Next(1990, 2100)).Select(i => $"{LiteTopic}-{i}"));
                break;
        }

        return request;
    }

    private static Message NewMessage(bool lite, Random random)
    {
        var system = new SystemProperties
        {
            MessageId = "01" + random.NextInt64().ToString("X16", System.Globalization.CultureInfo.InvariantCulture),
            BornTimestamp = Timestamp.FromDateTime(DateTime.UtcNow),
            BornHost = "fuzz-host",
            BodyEncoding = Encoding.Identity,
            MessageType = lite ? MessageType.Lite : MessageType.Normal,
            Tag = "fuzz",
            Keys = { "k1" },
        };
        if (lite)
        {
            system.LiteTopic = LiteTopic;
        }

        return new Message
        {
            Topic = Res(lite ? LiteParent : NormalTopic),
            SystemProperties = system,
            UserProperties = { ["p"] = "v" },
            Body = ByteString.CopyFromUtf8("fuzz body"),
        };
    }

    private static Resource Res(string name) => new() { Name = name };

    private static MessageQueue Queue(int id) => new() { Topic = Res(NormalTopic), Id = id, Permission = Permission.ReadWrite };

    private static Endpoints Endpoints() => new()
    {
        Scheme = AddressScheme.Ipv4, Addresses = { new Address { Host = "127.0.0.1", Port = 8081 } },
    };
}
