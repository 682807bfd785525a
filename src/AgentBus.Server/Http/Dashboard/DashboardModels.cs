using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentBus.Server.Http.Dashboard;

// The JSON the dashboard's page reads from /dashboard/api/: plain data, computed per request.

/// <summary>The whole live view, refreshed by the page every second or two.</summary>
internal sealed record OverviewView(
    DateTimeOffset Time,
    DateTimeOffset StartTime,
    long MessagesIn,
    long MessagesOut,
    long MessagesAcked,
    long BytesIn,
    long Backlog,
    int LiteTopicsWithBacklog,
    int Topics,
    int Groups,
    int LiteTopics,
    int LiteSubscriptions,
    int ClientCount,
    int LiteClients,
    long CommitLogBytes,
    IReadOnlyList<LiteTopicView> TopLiteTopics,
    NamedLiteTopics Agents,
    NamedLiteTopics Sessions,
    NamedLiteTopics Instances,
    IReadOnlyList<ClientView> Clients,
    IReadOnlyList<DeadLetterGroupView> DeadLetters);

/// <summary>A lite topic in a list, with what the agent layer makes of its name.</summary>
internal sealed record LiteTopicView(string Parent, string Name, string? Kind, string? Id, long Backlog, long MinOffset, long MaxOffset,
    int LiveSubscribers, IReadOnlyList<string> Subscribers, DateTimeOffset LastWrite);

/// <summary>The lite topics of one agent-layer kind: how many there are, and the busiest.</summary>
internal sealed record NamedLiteTopics(int Count, IReadOnlyList<LiteTopicView> Top);

/// <summary>A client as the transport and the engine know it, with the lite topics that make its ready set.</summary>
internal sealed record ClientView(string ClientId, string Group, string ClientType, string Topic, bool Live, int LiteSubscriptions,
    int ReadySetSize, int Inflight, IReadOnlyList<string> ReadyLiteTopics, DateTimeOffset? LastHeartbeat);

/// <summary>A group's pending dead letters and the latest of them.</summary>
internal sealed record DeadLetterGroupView(string Group, long Pending, IReadOnlyList<MessageView> Latest);

/// <summary>One lite topic in detail, with the messages peeked at its end.</summary>
internal sealed record LiteTopicDetailView(string Parent, string Name, string? Kind, string? Id, long MinOffset, long MaxOffset, DateTimeOffset LastWrite,
    double TtlSeconds, double TtlRemainingSeconds, IReadOnlyList<GroupPositionView> Groups, IReadOnlyList<SubscriberView> Subscribers, IReadOnlyList<MessageView> Messages);

/// <summary>A group's position on a lite topic.</summary>
internal sealed record GroupPositionView(string Group, long? CommittedOffset, long Backlog, int Inflight);

/// <summary>A client subscribed to a lite topic.</summary>
internal sealed record SubscriberView(string ClientId, string Group, bool Live);

/// <summary>
/// A stored message: its system properties, user properties and the start of its body (<c>BodyText</c>: as text when
/// it is UTF-8, else as base64, as <c>BodyEncoding</c> says).
/// </summary>
internal sealed record MessageView(long Offset, string MessageId, string? Tag, IReadOnlyList<string> Keys, string? MessageGroup, DateTimeOffset BornTime,
    DateTimeOffset StoreTime, string BornHost, int ReconsumeTimes, IReadOnlyDictionary<string, string> Properties, int BodySize, string BodyText,
    string BodyEncoding, bool BodyTruncated);

/// <summary>An error the API answers with.</summary>
internal sealed record ErrorView(string Error);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(OverviewView))]
[JsonSerializable(typeof(LiteTopicDetailView))]
[JsonSerializable(typeof(ErrorView))]
internal sealed partial class DashboardJson : JsonSerializerContext;
