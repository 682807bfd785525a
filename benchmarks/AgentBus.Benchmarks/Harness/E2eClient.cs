using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace AgentBus.Benchmarks.Harness;

/// <summary>A protocol client for the end-to-end scenarios: the generated stub with the x-mq-* headers.</summary>
internal sealed class E2eClient(GrpcChannel channel, string clientId)
{
    public MessagingService.MessagingServiceClient Stub { get; } = new(channel);

    public string ClientId { get; } = clientId;

    public CallOptions Options(TimeSpan timeout) => new(new Metadata
    {
        { "x-mq-client-id", ClientId },
        { "x-mq-language", "DOT_NET" },
        { "x-mq-protocol-version", "v2" },
    }, DateTime.UtcNow + timeout);

    public static GrpcChannel Channel(string endpoint) => GrpcChannel.ForAddress("http://" + endpoint, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    });

    public static Message Message(string topic, string? liteTopic, int bodySize, int sequence)
    {
        var system = new SystemProperties
        {
            MessageId = $"{Environment.ProcessId:X8}{sequence:X16}",
            BornTimestamp = Timestamp.FromDateTime(DateTime.UtcNow),
            BornHost = "harness",
            BodyEncoding = Encoding.Identity,
            MessageType = liteTopic is null ? MessageType.Normal : MessageType.Lite,
        };
        if (liteTopic is not null)
        {
            system.LiteTopic = liteTopic;
        }

        return new Message { Topic = new Resource { Name = topic }, SystemProperties = system, Body = ByteString.CopyFrom(new byte[bodySize]) };
    }
}
