using System.Text;
using AgentBus.Broker;
using AgentBus.Broker.Inspection;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Topics;
using AgentBus.Server.Clients;
using AgentBus.Server.Hosting;
using AgentBus.Server.Inspection;
using AgentBus.Server.Metrics;

namespace AgentBus.Server.Http.Dashboard;

/// <summary>
/// Computes the dashboard's views from the same sources as the admin API (<see cref="BrokerStats"/>,
/// <see cref="KnownClients"/>, the engine's inspection calls), bounded so a broker with millions of lite topics
/// answers with the busiest few.
/// </summary>
internal sealed class DashboardReader
{
    /// <summary>Lite topics in each ranking.</summary>
    public const int RankedLiteTopics = 20;

    /// <summary>Clients listed at most.</summary>
    public const int ListedClients = 200;

    /// <summary>Messages peeked on a lite topic: the last ones written.</summary>
    public const int PeekedMessages = 20;

    private const int ReadyNamesPerClient = 10;
    private const int LatestDeadLetters = 5;
    private const int BodyPreviewBytes = 2048;

    private static readonly string[] Prefixes = ["", AgentNames.AgentPrefix, AgentNames.SessionPrefix, AgentNames.InstancePrefix];

    private readonly BrokerEngineHost _host;
    private readonly BrokerMetrics _metrics;
    private readonly ClientRegistry _clients;
    private readonly TimeProvider _time;

    public DashboardReader(BrokerEngineHost host, BrokerMetrics metrics, ClientRegistry clients, TimeProvider time)
    {
        _host = host;
        _metrics = metrics;
        _clients = clients;
        _time = time;
    }

    /// <summary>Whether the engine is open, so the views can be read.</summary>
    public bool IsRunning => _host.IsRunning;

    /// <summary>The live view now.</summary>
    public OverviewView Overview()
    {
        var engine = _host.Engine;
        var stats = BrokerStats.Read(engine, _metrics);
        var ranking = engine.RankLiteTopics(Prefixes, RankedLiteTopics);
        return new OverviewView(
            _time.GetUtcNow(), stats.StartTime, stats.MessagesIn, stats.MessagesOut, stats.MessagesAcked, stats.BytesIn,
            ranking.Backlog, ranking.LiteTopicsWithBacklog, stats.TopicCount, stats.GroupCount, stats.LiteTopicCount, stats.LiteSubscriptionCount,
            stats.ClientCount, stats.LiteClientCount, stats.CommitLogBytes,
            [.. ranking.ByPrefix[""].Top.Select(ToView)],
            Named(ranking.ByPrefix[AgentNames.AgentPrefix]),
            Named(ranking.ByPrefix[AgentNames.SessionPrefix]),
            Named(ranking.ByPrefix[AgentNames.InstancePrefix]),
            Clients(engine),
            DeadLetters(engine));
    }

    /// <summary>One lite topic with its last messages.</summary>
    /// <exception cref="AgentBus.Broker.Errors.BrokerException">The parent or the lite topic does not exist.</exception>
    public LiteTopicDetailView LiteTopic(string parent, string liteTopic)
    {
        var engine = _host.Engine;
        var detail = engine.DescribeLiteTopic(parent, liteTopic);
        long from = Math.Max(detail.MinOffset, detail.MaxOffset - PeekedMessages);
        var peeked = engine.PeekLiteTopic(parent, liteTopic, from, PeekedMessages);
        return new LiteTopicDetailView(parent, detail.Name, AgentNames.KindOf(detail.Name), AgentNames.IdOf(detail.Name), detail.MinOffset, detail.MaxOffset,
            detail.LastWriteTime, detail.Ttl.TotalSeconds, detail.TtlRemaining.TotalSeconds,
            [.. detail.Groups.Select(g => new GroupPositionView(g.Group, g.CommittedOffset, g.Backlog, g.Inflight))],
            [.. detail.Subscribers.Select(s => new SubscriberView(s.ClientId, s.Group, s.Live))],
            [.. peeked.Messages.Reverse().Select(ToView)]);
    }

    private List<ClientView> Clients(BrokerEngine engine)
    {
        var views = new List<ClientView>();
        foreach (string id in KnownClients.Ids(engine).Take(ListedClients))
        {
            var (transport, lite) = KnownClients.Describe(_clients, engine, id);
            views.Add(new ClientView(id, lite?.Group ?? transport?.Group ?? "", (transport?.ClientType ?? Apache.Rocketmq.V2.ClientType.Unspecified).ToString(),
                lite?.Topic ?? "", lite?.Live ?? transport is not null, lite?.LiteSubscriptions ?? 0, lite?.ReadySetSize ?? 0, lite?.InflightDeliveries ?? 0,
                lite is null ? [] : engine.LiteTopicsWithBacklogFor(id, ReadyNamesPerClient), transport?.LastSeen));
        }

        return views;
    }

    private static List<DeadLetterGroupView> DeadLetters(BrokerEngine engine)
    {
        var views = new List<DeadLetterGroupView>();
        foreach (var group in engine.Topics.Groups.OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            var head = engine.PeekDeadLetters(group.Name, 0, 1);
            long pending = head.MaxOffset - head.FirstPending;
            if (pending <= 0)
            {
                continue;
            }

            var latest = engine.PeekDeadLetters(group.Name, Math.Max(head.FirstPending, head.MaxOffset - LatestDeadLetters), LatestDeadLetters);
            views.Add(new DeadLetterGroupView(group.Name, pending, [.. latest.Messages.Reverse().Select(ToView)]));
        }

        return views;
    }

    private static NamedLiteTopics Named(RankedLiteTopics ranked) => new(ranked.Count, [.. ranked.Top.Select(ToView)]);

    private static LiteTopicView ToView(LiteTopicLoad load) =>
        new(load.ParentTopic, load.Name, AgentNames.KindOf(load.Name), AgentNames.IdOf(load.Name), load.Backlog, load.MinOffset, load.MaxOffset,
            load.LiveSubscribers, load.SubscriberIds, load.LastWriteTime);

    private static MessageView ToView(MessageRecord record)
    {
        var body = record.Body.Span;
        bool truncated = body.Length > BodyPreviewBytes;
        var preview = truncated ? body[..BodyPreviewBytes] : body;
        (string text, string encoding) = AsText(preview, truncated);
        return new MessageView(record.QueueOffset, record.MessageId, record.Tag, record.Keys, record.MessageGroup,
            DateTimeOffset.FromUnixTimeMilliseconds(record.BornTimestamp), DateTimeOffset.FromUnixTimeMilliseconds(record.StoreTimestamp), record.BornHost,
            record.ReconsumeTimes, record.Properties, record.Body.Length, text, encoding, truncated);
    }

    /// <summary>The body as UTF-8 text when it is (a cut may split the last character), else base64.</summary>
    private static (string Text, string Encoding) AsText(ReadOnlySpan<byte> body, bool cut)
    {
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (int drop = 0; drop <= (cut ? 3 : 0) && drop <= body.Length; drop++)
        {
            try
            {
                string text = strict.GetString(body[..^drop]);
                if (!text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
                {
                    return (text, "utf-8");
                }

                break;
            }
            catch (DecoderFallbackException)
            {
                // Try once more without a character the cut may have split.
            }
        }

        return (Convert.ToBase64String(body), "base64");
    }
}
