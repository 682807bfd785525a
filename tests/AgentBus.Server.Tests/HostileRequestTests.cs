using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AgentBus.Server.Tests;

public sealed class HostileRequestTests(SharedTestBroker shared) : IClassFixture<SharedTestBroker>
{
    [Fact]
    public async Task Empty_requests_get_a_refusal_code_never_an_internal_error()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var options = client.Options(TimeSpan.FromSeconds(5));
        var stub = client.Stub;

        var codes = new Dictionary<string, Code>
        {
            ["QueryRoute"] = (await stub.QueryRouteAsync(new QueryRouteRequest(), options)).Status.Code,
            ["SendMessage"] = (await stub.SendMessageAsync(new SendMessageRequest(), options)).Status.Code,
            ["SendMessage(empty message)"] = (await stub.SendMessageAsync(new SendMessageRequest { Messages = { new Message() } }, options)).Status.Code,
            ["QueryAssignment"] = (await stub.QueryAssignmentAsync(new QueryAssignmentRequest(), options)).Status.Code,
            ["AckMessage"] = (await stub.AckMessageAsync(new AckMessageRequest(), options)).Status.Code,
            ["AckMessage(no entries)"] = (await stub.AckMessageAsync(new AckMessageRequest { Group = TestClient.Res("g-empty") }, options)).Status.Code,
            ["ChangeInvisibleDuration"] = (await stub.ChangeInvisibleDurationAsync(new ChangeInvisibleDurationRequest(), options)).Status.Code,
            ["ChangeInvisibleDuration(no duration)"] = (await stub.ChangeInvisibleDurationAsync(
                new ChangeInvisibleDurationRequest { Group = TestClient.Res("g-empty"), ReceiptHandle = "h" }, options)).Status.Code,
            ["ForwardMessageToDeadLetterQueue"] = (await stub.ForwardMessageToDeadLetterQueueAsync(new ForwardMessageToDeadLetterQueueRequest(), options)).Status.Code,
            ["SyncLiteSubscription"] = (await stub.SyncLiteSubscriptionAsync(new SyncLiteSubscriptionRequest(), options)).Status.Code,
            ["SyncLiteSubscription(bad action)"] = (await stub.SyncLiteSubscriptionAsync(new SyncLiteSubscriptionRequest
            {
                Action = (LiteSubscriptionAction)99, Topic = TestClient.Res("agents-empty"), Group = TestClient.Res("g-empty"),
            }, options)).Status.Code,
            ["SyncLiteSubscription(negative offset)"] = (await stub.SyncLiteSubscriptionAsync(new SyncLiteSubscriptionRequest
            {
                Topic = TestClient.Res("agents-empty"), Group = TestClient.Res("g-empty"), LiteTopicSet = { "a" }, OffsetOption = new OffsetOption { Offset = -5 },
            }, options)).Status.Code,
        };
        using var receive = stub.ReceiveMessage(new ReceiveMessageRequest(), options);
        codes["ReceiveMessage"] = (await receive.ResponseStream.ReadAllAsync().ToListAsync()).Last().Status.Code;
        var gzip = TestClient.Message("t-empty", "x");
        gzip.SystemProperties.BodyEncoding = Encoding.Gzip;
        codes["SendMessage(bad gzip)"] = (await client.SendAsync(gzip)).Status.Code;

        Assert.All(codes, pair => Assert.True(pair.Value is >= Code.BadRequest and < Code.InternalError, $"{pair.Key}: {pair.Value}"));
        Assert.Equal(Code.IllegalOffset, codes["SyncLiteSubscription(negative offset)"]);
        Assert.Equal(Code.MessageCorrupted, codes["SendMessage(bad gzip)"]);
    }

    [Fact]
    public async Task A_telemetry_stream_with_empty_commands_stays_open_and_still_answers_settings()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        using var call = client.Stub.Telemetry(client.Options());

        await call.RequestStream.WriteAsync(new TelemetryCommand());
        await call.RequestStream.WriteAsync(new TelemetryCommand { ThreadStackTrace = new ThreadStackTrace { Nonce = "n" } });
        var reply = await RouteAndTelemetryTests.TelemetryHandshakeAsync(call, ClientType.SimpleConsumer, "g-telemetry", "t-telemetry");

        Assert.Equal(TelemetryCommand.CommandOneofCase.Settings, reply.CommandCase);
        await call.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_gzip_body_is_stored_decompressed_and_delivered_as_identity()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var message = TestClient.Message("zipped", "");
        using (var buffer = new MemoryStream())
        {
            using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write("compressed body"u8);
            }

            message.Body = Google.Protobuf.ByteString.CopyFrom(buffer.ToArray());
        }

        message.SystemProperties.BodyEncoding = Encoding.Gzip;
        await client.SendOkAsync(message);

        var received = Assert.Single((await client.ReceiveAsync("zipped", "g-zipped")).Messages);
        Assert.Equal("compressed body", received.Body.ToStringUtf8());
        Assert.Equal(Encoding.Identity, received.SystemProperties.BodyEncoding);
    }
}
