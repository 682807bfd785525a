using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace AgentBus.Server.Tests;

/// <summary>
/// Malformed input is the caller's mistake: bodies that are not protobuf and durations that are not normalized get a
/// bad-request answer, never INTERNAL_ERROR or gRPC UNKNOWN, and the broker logs nothing at error level and no stack trace.
/// </summary>
public sealed class MalformedInputTests(SharedDebugLogTestBroker shared) : IClassFixture<SharedDebugLogTestBroker>
{
    /// <summary>A length-delimited field 1 whose length varint never ends: not a valid message of any type.</summary>
    private static readonly byte[] Truncated = [0x0A, 0xFF];

    private static Method<byte[], byte[]> RawMethod(MethodType type, string service, string name) =>
        new(type, service, name, Marshallers.Create(static bytes => bytes, static bytes => bytes), Marshallers.Create(static bytes => bytes, static bytes => bytes));

    private static void AssertQuietLog(TestBroker broker)
    {
        Assert.DoesNotContain(broker.Logs, entry => entry.Level >= LogLevel.Error);
        Assert.DoesNotContain(broker.Logs, entry => entry.Exception is not null);
    }

    [Fact]
    public async Task A_heartbeat_whose_body_is_not_protobuf_gets_bad_request_and_no_error_log()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var invoker = broker.Channel.CreateCallInvoker();

        var reply = await invoker.AsyncUnaryCall(RawMethod(MethodType.Unary, "apache.rocketmq.v2.MessagingService", "Heartbeat"), null, client.Options(), Truncated);

        var response = HeartbeatResponse.Parser.ParseFrom(reply);
        Assert.Equal(Code.BadRequest, response.Status.Code);
        Assert.Contains("HeartbeatRequest", response.Status.Message, StringComparison.Ordinal);
        // The same client, well-formed, is served as usual.
        Assert.Equal(Code.Ok, (await client.Stub.HeartbeatAsync(new HeartbeatRequest(), client.Options())).Status.Code);
        AssertQuietLog(broker);
    }

    [Fact]
    public async Task A_send_and_a_receive_whose_bodies_are_not_protobuf_get_bad_request()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var invoker = broker.Channel.CreateCallInvoker();

        var send = SendMessageResponse.Parser.ParseFrom(await invoker.AsyncUnaryCall(
            RawMethod(MethodType.Unary, "apache.rocketmq.v2.MessagingService", "SendMessage"), null, client.Options(), Truncated));
        using var receive = invoker.AsyncServerStreamingCall(
            RawMethod(MethodType.ServerStreaming, "apache.rocketmq.v2.MessagingService", "ReceiveMessage"), null, client.Options(), Truncated);
        var responses = await receive.ResponseStream.ReadAllAsync().Select(static bytes => ReceiveMessageResponse.Parser.ParseFrom(bytes)).ToListAsync();

        Assert.Equal(Code.BadRequest, send.Status.Code);
        Assert.Equal(Code.BadRequest, Assert.Single(responses).Status.Code);
        Assert.Equal(StatusCode.OK, receive.GetStatus().StatusCode);
        AssertQuietLog(broker);
    }

    [Fact]
    public async Task A_malformed_telemetry_command_is_answered_bad_request_and_the_stream_goes_on()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var invoker = broker.Channel.CreateCallInvoker();
        using var call = invoker.AsyncDuplexStreamingCall(RawMethod(MethodType.DuplexStreaming, "apache.rocketmq.v2.MessagingService", "Telemetry"), null, client.Options());

        await call.RequestStream.WriteAsync(Truncated);
        Assert.True(await call.ResponseStream.MoveNext());
        var refusal = TelemetryCommand.Parser.ParseFrom(call.ResponseStream.Current);
        var settings = new TelemetryCommand
        {
            Settings = new Settings { ClientType = ClientType.Producer, Publishing = new Publishing { Topics = { TestClient.Res("t") } } },
        };
        await call.RequestStream.WriteAsync(settings.ToByteArray());
        Assert.True(await call.ResponseStream.MoveNext());
        var answer = TelemetryCommand.Parser.ParseFrom(call.ResponseStream.Current);
        await call.RequestStream.CompleteAsync();

        Assert.Equal(Code.BadRequest, refusal.Status.Code);
        Assert.Equal(TelemetryCommand.CommandOneofCase.Settings, answer.CommandCase);
        AssertQuietLog(broker);
    }

    [Fact]
    public async Task A_telemetry_command_above_the_size_limit_is_refused_with_payload_too_large_and_no_error_log()
    {
        // Found by the protocol fuzzer (tests/AgentBus.Reliability.Tests): such a command used to end the stream with
        // an error-level log and a stack trace, as if the broker had failed.
        await using var broker = await TestBroker.StartAsync(configureServer: server => server.MaxReceiveMessageSize = 4096, minimumLogLevel: LogLevel.Debug);
        var client = broker.Client();
        var invoker = broker.Channel.CreateCallInvoker();
        using var call = invoker.AsyncDuplexStreamingCall(RawMethod(MethodType.DuplexStreaming, "apache.rocketmq.v2.MessagingService", "Telemetry"), null, client.Options());
        var settings = new TelemetryCommand
        {
            Settings = new Settings { ClientType = ClientType.Producer, Publishing = new Publishing { Topics = { TestClient.Res(new string('t', 8000)) } } },
        };

        await call.RequestStream.WriteAsync(settings.ToByteArray());
        Assert.True(await call.ResponseStream.MoveNext());
        var refusal = TelemetryCommand.Parser.ParseFrom(call.ResponseStream.Current);
        bool more = await call.ResponseStream.MoveNext();

        Assert.Equal(Code.PayloadTooLarge, refusal.Status.Code);
        Assert.Contains("exceeds the maximum", refusal.Status.Message, StringComparison.Ordinal);
        Assert.False(more);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        // The same client is served as usual afterwards.
        Assert.Equal(Code.Ok, (await client.Stub.HeartbeatAsync(new HeartbeatRequest(), client.Options())).Status.Code);
        await Eventually.TrueAsync(() => broker.Logs.Any(static entry => entry.Message.Contains("PayloadTooLarge", StringComparison.Ordinal)),
            what: "the refusal is logged at debug level");
        Assert.DoesNotContain(broker.Logs, entry => entry.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task An_admin_call_whose_body_is_not_protobuf_ends_with_invalid_argument()
    {
        // Its own broker: grpc-dotnet logs the refused body at Information with the exception attached, which the
        // other tests of the class would count as noise in a shared log.
        await using var broker = await TestBroker.StartAsync(minimumLogLevel: LogLevel.Debug);
        var client = broker.Client();
        var invoker = broker.Channel.CreateCallInvoker();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(
            RawMethod(MethodType.Unary, "agentbus.v1.AdminService", "ListLiteTopics"), null, client.Options(), Truncated));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.DoesNotContain(broker.Logs, entry => entry.Level >= LogLevel.Error);
    }

    private static readonly (string Why, long Seconds, int Nanos)[] BadDurations =
    [
        ("nanos past a second", 0, 1_500_000_000),
        ("negative seconds", -5, 0),
        ("negative nanos", 0, -1),
        ("mixed signs", 1, -500_000_000),
        ("huge seconds", long.MaxValue, 0),
        ("past a year", 400L * 24 * 3600, 0),
    ];

    [Fact]
    public async Task Bad_invisible_durations_and_polling_timeouts_on_receive_get_their_illegal_time_codes()
    {
        var broker = shared.Broker;
        var client = broker.Client();

        foreach (var (why, seconds, nanos) in BadDurations)
        {
            var invisible = TestClient.ReceiveRequest("t", "g", poll: TimeSpan.FromMilliseconds(100));
            invisible.InvisibleDuration = new Duration { Seconds = seconds, Nanos = nanos };
            var polling = TestClient.ReceiveRequest("t", "g");
            polling.LongPollingTimeout = new Duration { Seconds = seconds, Nanos = nanos };

            var invisibleResult = await client.ReceiveAsync(invisible);
            var pollingResult = await client.ReceiveAsync(polling);

            Assert.True(invisibleResult.Status?.Code == Code.IllegalInvisibleTime, $"invisible_duration, {why}: {invisibleResult.Status}");
            Assert.True(pollingResult.Status?.Code == Code.IllegalPollingTime, $"long_polling_timeout, {why}: {pollingResult.Status}");
        }

        AssertQuietLog(broker);
    }

    [Fact]
    public async Task Bad_durations_on_change_invisible_duration_get_illegal_invisible_time()
    {
        var broker = shared.Broker;
        var client = broker.Client();

        foreach (var (why, seconds, nanos) in BadDurations)
        {
            var request = new ChangeInvisibleDurationRequest
            {
                Group = TestClient.Res("g"),
                Topic = TestClient.Res("t"),
                ReceiptHandle = "not-checked-before-the-duration",
                InvisibleDuration = new Duration { Seconds = seconds, Nanos = nanos },
            };

            var response = await client.Stub.ChangeInvisibleDurationAsync(request, client.Options());

            Assert.True(response.Status.Code == Code.IllegalInvisibleTime, $"{why}: {response.Status}");
        }

        AssertQuietLog(broker);
    }
}
