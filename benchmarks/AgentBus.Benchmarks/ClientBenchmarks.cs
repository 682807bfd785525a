using AgentBus.Client.Messages;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using ProtoMessage = Apache.Rocketmq.V2.Message;

namespace AgentBus.Benchmarks;

/// <summary>The client's per-message work outside the transport: ids, headers, decoding a received 1 KB message.</summary>
[MemoryDiagnoser]
public class ClientBenchmarks
{
    private readonly RequestHeaders _headers = new("host@1@0@abc", "", new Client.Configuration.SessionCredentials("AK", "secret"), TimeProvider.System);
    private readonly AccessPoint _endpoint = AccessPoint.Parse("127.0.0.1:8081");
    private ProtoMessage _received = null!;

    [GlobalSetup]
    public void Setup()
    {
        var body = new byte[1024];
        Random.Shared.NextBytes(body);
        _received = new ProtoMessage
        {
            Topic = new Resource { Name = "agents" },
            Body = ByteString.CopyFrom(body),
            SystemProperties = new SystemProperties
            {
                MessageId = MessageIdGenerator.Next(),
                LiteTopic = "session-42",
                Tag = "tag",
                BodyDigest = new Digest { Type = DigestType.Md5, Checksum = AgentBus.Protocol.Messages.BodyDigest.Md5Hex(body) },
                BornTimestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                ReceiptHandle = new string('r', 80),
                DeliveryAttempt = 1,
                QueueOffset = 7,
            },
        };
        _received.SystemProperties.Keys.Add("k");
        _received.UserProperties["trace"] = "t-1";
    }

    [Benchmark]
    public string MessageId() => MessageIdGenerator.Next();

    [Benchmark]
    public int CallHeadersSigned() => _headers.Create(out _).Count;

    [Benchmark]
    public MessageView DecodeReceivedMessage() => MessageView.From(_received, null, _endpoint);
}
