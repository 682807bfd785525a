using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using static AgentBus.TestUtilities.Signatures;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Tests;

/// <summary>Server:Auth: every MessagingService call must be signed by a known user, or it is answered UNAUTHORIZED.</summary>
public sealed class AuthTests(AuthTests.AuthBroker shared) : IClassFixture<AuthTests.AuthBroker>
{
    /// <summary>
    /// One broker with auth on for the tests whose calls are all refused (nothing they do is stored or subscribed),
    /// so they can share it; a test that stores messages or changes the auth settings starts its own.
    /// </summary>
    public sealed class AuthBroker : SharedBroker<TestBroker>
    {
        /// <inheritdoc />
        protected override Task<TestBroker> StartAsync() => TestBroker.StartAsync(configureServer: WithAuth);
    }

    [Fact]
    public async Task Unsigned_unary_calls_are_answered_unauthorized()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: WithAuth);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var client = broker.Client();

        var route = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders") }, client.Options());
        var send = await client.SendAsync(TestClient.Message("orders", "hello"));
        var heartbeat = await client.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, client.Options());
        var offset = await client.Stub.GetOffsetAsync(new GetOffsetRequest(), client.Options());

        AssertUnauthorized(route.Status);
        AssertUnauthorized(send.Status);
        Assert.Empty(send.Entries);
        AssertUnauthorized(heartbeat.Status);
        AssertUnauthorized(offset.Status);
        var nothingStored = await broker.Client(sign: Signed()).ReceiveAsync("orders", "billing", poll: TimeSpan.FromMilliseconds(200));
        Assert.Equal(Code.MessageNotFound, nothingStored.Status!.Code);
    }

    [Fact]
    public async Task Unsigned_receive_streams_end_after_one_unauthorized_status()
    {
        var broker = shared.Broker;
        var client = broker.Client();

        var received = await client.ReceiveAsync("orders", "billing", poll: TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(3));

        var response = Assert.Single(received.Responses);
        Assert.Equal(ReceiveMessageResponse.ContentOneofCase.Status, response.ContentCase);
        AssertUnauthorized(response.Status);
    }

    [Fact]
    public async Task Unsigned_telemetry_streams_end_after_one_unauthorized_status()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        using var call = client.Stub.Telemetry(client.Options());

        Assert.True(await call.ResponseStream.MoveNext());
        var reply = call.ResponseStream.Current;
        Assert.Equal(TelemetryCommand.CommandOneofCase.None, reply.CommandCase);
        AssertUnauthorized(reply.Status);
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task A_wrong_secret_is_unauthorized()
    {
        var broker = shared.Broker;
        var client = broker.Client(sign: Signed(secret: "not-the-secret"));

        var route = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders") }, client.Options());
        var received = await client.ReceiveAsync("orders", "billing");

        AssertUnauthorized(route.Status);
        AssertUnauthorized(Assert.Single(received.Responses).Status);
    }

    [Fact]
    public async Task An_unknown_access_key_is_unauthorized()
    {
        var broker = shared.Broker;
        var client = broker.Client(sign: Signed(accessKey: "stranger"));

        var send = await client.SendAsync(TestClient.Message("orders", "hello"));

        AssertUnauthorized(send.Status);
    }

    [Theory]
    [InlineData(-16)]
    [InlineData(16)]
    [InlineData(-24 * 60)]
    public async Task A_date_outside_the_tolerance_is_unauthorized(int minutesOff)
    {
        var broker = shared.Broker;
        var client = broker.Client(sign: Signed(at: DateTimeOffset.UtcNow.AddMinutes(minutesOff)));

        var send = await client.SendAsync(TestClient.Message("orders", "hello"));

        AssertUnauthorized(send.Status);
    }

    [Fact]
    public async Task A_date_within_the_tolerance_is_accepted()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: WithAuth);
        var client = broker.Client(sign: Signed(at: DateTimeOffset.UtcNow.AddMinutes(-14)));

        var send = await client.SendAsync(TestClient.Message("orders", "hello"));

        Assert.Equal(Code.Ok, send.Status.Code);
    }

    [Theory]
    [InlineData(-90, false)]
    [InlineData(90, false)]
    [InlineData(-30, true)]
    [InlineData(30, true)]
    public async Task A_shortened_tolerance_narrows_the_window_a_captured_signature_is_valid_in(int secondsOff, bool accepted)
    {
        await using var broker = await TestBroker.StartAsync(configureServer: server =>
        {
            WithAuth(server);
            server.Auth.DateTimeTolerance = TimeSpan.FromMinutes(1);
        });
        var client = broker.Client(sign: Signed(at: DateTimeOffset.UtcNow.AddSeconds(secondsOff)));

        var send = await client.SendAsync(TestClient.Message("orders", "hello"));

        if (accepted)
        {
            Assert.Equal(Code.Ok, send.Status.Code);
        }
        else
        {
            AssertUnauthorized(send.Status);
            Assert.Contains("too far from the broker's clock", send.Status.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Bearer abc")]
    [InlineData("MQv2-HMAC-SHA1")]
    [InlineData("MQv2-HMAC-SHA1 Credential=agent-ak")]
    [InlineData("MQv2-HMAC-SHA1 Credential=agent-ak, SignedHeaders=x-mq-date-time")]
    [InlineData("MQv2-HMAC-SHA1 Credential=agent-ak, SignedHeaders=host, Signature=00")]
    [InlineData("MQv2-HMAC-SHA1 Credential=agent-ak, SignedHeaders=x-mq-date-time, Signature=not-hex")]
    [InlineData("MQv2-HMAC-SHA1 Credential=agent-ak, SignedHeaders=x-mq-date-time, Signature=ABCD")]
    [InlineData("MQv2-HMAC-SHA1 Credential=, SignedHeaders=x-mq-date-time, Signature=00112233445566778899AABBCCDDEEFF00112233")]
    [InlineData("MQv2-HMAC-SHA1 garbage")]
    public async Task A_malformed_authorization_is_unauthorized(string authorization)
    {
        var broker = shared.Broker;
        var client = broker.Client(sign: WithAuthorization(authorization));

        var send = await client.SendAsync(TestClient.Message("orders", "hello"));

        AssertUnauthorized(send.Status);
    }

    [Fact]
    public async Task A_signature_without_its_date_header_is_unauthorized()
    {
        var broker = shared.Broker;
        string date = DateTimeHeader(DateTimeOffset.UtcNow);
        var client = broker.Client(sign: headers => headers.Add("authorization", Authorization(AccessKey, Sign(SecretKey, date))));

        var send = await client.SendAsync(TestClient.Message("orders", "hello"));

        AssertUnauthorized(send.Status);
    }

    [Fact]
    public async Task Signed_calls_are_served()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: WithAuth);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var client = broker.Client(sign: Signed());

        var route = await client.Stub.QueryRouteAsync(new QueryRouteRequest { Topic = TestClient.Res("orders") }, client.Options());
        var entry = await client.SendOkAsync(TestClient.Message("orders", "hello"));
        var received = await client.ReceiveAsync("orders", "billing");
        var acked = await client.AckAsync("orders", "billing", [.. received.Messages]);

        Assert.Equal(Code.Ok, route.Status.Code);
        Assert.NotEmpty(route.MessageQueues);
        Assert.Equal(Code.Ok, entry.Status.Code);
        Assert.Equal(Code.Ok, received.Status!.Code);
        Assert.Equal(["hello"], received.Bodies);
        Assert.Equal(Code.Ok, acked);

        using var telemetry = client.Stub.Telemetry(client.Options());
        var settings = new Settings { ClientType = ClientType.Producer, Publishing = new Publishing() };
        await telemetry.RequestStream.WriteAsync(new TelemetryCommand { Settings = settings });
        Assert.True(await telemetry.ResponseStream.MoveNext());
        Assert.Equal(Code.Ok, telemetry.ResponseStream.Current.Status.Code);
        Assert.Equal(TelemetryCommand.CommandOneofCase.Settings, telemetry.ResponseStream.Current.CommandCase);
        await telemetry.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_lower_case_signature_and_a_scoped_credential_are_accepted()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: WithAuth);
        string date = DateTimeHeader(DateTimeOffset.UtcNow);
        var client = broker.Client(sign: headers =>
        {
            headers.Add("x-mq-date-time", date);
            headers.Add("authorization", Authorization(AccessKey + "/20260101/rocketmq", Sign(SecretKey, date).ToLowerInvariant()));
        });

        var send = await client.SendAsync(TestClient.Message("orders", "hello"));

        Assert.Equal(Code.Ok, send.Status.Code);
    }

    [Fact]
    public async Task Health_checks_need_no_credentials()
    {
        var broker = shared.Broker;
        var health = new Grpc.Health.V1.Health.HealthClient(broker.Channel);

        var reply = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));

        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Refusals_are_logged_without_the_secret_or_the_signature()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: WithAuth, minimumLogLevel: LogLevel.Debug);
        string date = DateTimeHeader(DateTimeOffset.UtcNow);
        string wrongSignature = Sign("not-the-secret", date);
        var signed = broker.Client(sign: Signed());
        var wrong = broker.Client(sign: WithAuthorization(Authorization(AccessKey, wrongSignature)));

        Assert.Equal(Code.Ok, (await signed.SendAsync(TestClient.Message("orders", "hello"))).Status.Code);
        AssertUnauthorized((await wrong.SendAsync(TestClient.Message("orders", "hello"))).Status);

        var refusal = Assert.Single(broker.Logs, e => e.Message.Contains("unauthorized", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, refusal.Level);
        Assert.Contains(AccessKey, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(wrong.ClientId, refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(broker.Logs, e => e.ToString().Contains(SecretKey, StringComparison.Ordinal)
            || e.ToString().Contains(wrongSignature, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_messaging_service_response_carries_a_status_field()
    {
        // The interceptor answers a refused call of any RPC with a response holding only its status.
        foreach (var method in MessagingService.Descriptor.Methods)
        {
            var field = method.OutputType.FindFieldByName("status");
            Assert.True(field?.MessageType == Status.Descriptor, $"{method.Name} answers {method.OutputType.Name} without a status field.");
        }
    }

    private static void AssertUnauthorized(Status status)
    {
        Assert.Equal(Code.Unauthorized, status.Code);
        Assert.False(string.IsNullOrEmpty(status.Message));
    }
}
