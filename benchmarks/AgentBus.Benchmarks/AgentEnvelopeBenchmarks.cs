using AgentBus.Client.Messages;
using AgentBus.Client.Transport;
using AgentBus.Envelopes;
using AgentBus.Serialization;
using Apache.Rocketmq.V2;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using ClientMessage = AgentBus.Client.Messages.Message;
using ProtoMessage = Apache.Rocketmq.V2.Message;

namespace AgentBus.Benchmarks;

/// <summary>
/// What the agent layer adds to one 1 KB request message, next to the same request done by hand (two properties):
/// building it (ids, envelope properties, lite topic names) and reading it on arrival (the client's decode of the
/// protocol message, then, for the agent layer, its envelope). The end-to-end cost of the extra properties (the broker
/// and the protocol carry them too) is in <c>harness agent-request</c>.
/// </summary>
[MemoryDiagnoser]
public class AgentEnvelopeBenchmarks
{
    private readonly AccessPoint _endpoint = AccessPoint.Parse("127.0.0.1:8081");
    private readonly byte[] _body = new byte[1024];
    private readonly string _replyTopic = LiteTopicNames.ForInstance(MessageIds.New());
    private ProtoMessage _rawArrived = null!;
    private ProtoMessage _agentArrived = null!;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_body);
        _rawArrived = Arrived(BuildRawRequest());
        _agentArrived = Arrived(BuildAgentRequest());
    }

    [Benchmark(Baseline = true)]
    public ClientMessage BuildRawRequest() => new MessageBuilder().SetTopic("agentbus").SetLiteTopic("svc").SetBody(_body)
        .AddProperty("slot", "0").AddProperty("reply-to", "raw-reply").Build();

    /// <summary>As <c>RequestAsync</c> builds a request: two ids, the envelope, the peer's inbox name.</summary>
    [Benchmark]
    public ClientMessage BuildAgentRequest() => new OutgoingMessage(MessageKind.Request, MessageIds.New())
    {
        RequestId = MessageIds.New(),
        ReplyTo = _replyTopic,
        Deadline = DateTimeOffset.UtcNow.AddSeconds(30),
        From = "caller",
        To = "svc",
        Deduplicate = true,
    }.Build("agentbus", LiteTopicNames.ForAgent("svc"), new Payload(_body, PayloadSerializer.Bytes), activity: null);

    [Benchmark]
    public MessageView ReadRawRequest() => MessageView.From(_rawArrived, null, _endpoint);

    [Benchmark]
    public AgentEnvelope ReadAgentRequest()
    {
        AgentEnvelope.TryRead(MessageView.From(_agentArrived, null, _endpoint), out var envelope, out _);
        return envelope;
    }

    /// <summary>The message as a consumer receives it: system properties as the broker sets them, user properties as sent.</summary>
    private static ProtoMessage Arrived(ClientMessage sent)
    {
        var arrived = new ProtoMessage
        {
            Topic = new Resource { Name = sent.Topic },
            Body = ByteString.CopyFrom(sent.Body.Span),
            SystemProperties = new SystemProperties
            {
                MessageId = MessageIdGenerator.Next(),
                LiteTopic = sent.LiteTopic,
                BodyDigest = new Digest { Type = DigestType.Md5, Checksum = AgentBus.Protocol.Messages.BodyDigest.Md5Hex(sent.Body.Span) },
                BornTimestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                ReceiptHandle = new string('r', 80),
                DeliveryAttempt = 1,
                QueueOffset = 7,
            },
        };
        arrived.SystemProperties.Keys.Add(sent.Keys);
        foreach (var (key, value) in sent.Properties)
        {
            arrived.UserProperties[key] = value;
        }

        return arrived;
    }
}

/// <summary>
/// The body digest of one 1 KB delivery: computed by the broker and checked by the client, as MD5 (what official
/// clients get) or as CRC32 (what the AgentBus client asks for with <c>agentbus-body-digest: crc32</c>).
/// </summary>
[MemoryDiagnoser]
public class BodyDigestBenchmarks
{
    private readonly byte[] _body = new byte[1024];

    [GlobalSetup]
    public void Setup() => Random.Shared.NextBytes(_body);

    [Benchmark(Baseline = true)]
    public bool Md5() => AgentBus.Protocol.Messages.BodyDigest.Matches(
        new Digest { Type = DigestType.Md5, Checksum = AgentBus.Protocol.Messages.BodyDigest.Md5Hex(_body) }, _body);

    [Benchmark]
    public bool Crc32() => AgentBus.Protocol.Messages.BodyDigest.Matches(
        new Digest { Type = DigestType.Crc32, Checksum = AgentBus.Protocol.Messages.BodyDigest.Crc32Hex(_body) }, _body);
}
