using AgentBus.Broker.Topics;
using AgentBus.Server.Embedded;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static AgentBus.Server.Tests.Permissions.Policies;

namespace AgentBus.Server.Tests.Permissions;

/// <summary>Server:Auth is re-read when its configuration changes: new permissions, revoked ones and new users apply without a restart.</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task A_granted_permission_applies_at_once()
    {
        var configuration = Configuration(("alice|*", "Publish"));
        await using var running = await RunningBroker.StartAsync(configuration);
        var alice = running.Client("alice");
        AssertForbiddenSend(await alice.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "bob|inbox")));

        configuration["Server:Auth:Users:0:Permissions:1:Actions"] = "Publish";
        configuration["Server:Auth:Users:0:Permissions:1:Topic"] = Parent;
        configuration["Server:Auth:Users:0:Permissions:1:LiteTopics:0"] = "bob|*";
        configuration.Reload();

        Assert.Equal(Code.Ok, (await alice.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "bob|inbox"))).Status.Code);
        Assert.Contains(running.Logs.Entries, e => e.Message.Contains("Server:Auth reloaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_revoked_permission_stops_the_deliveries_of_an_existing_subscription()
    {
        var configuration = Configuration(("alice|*", "Publish, Subscribe"));
        await using var running = await RunningBroker.StartAsync(configuration);
        var alice = running.Client("alice");
        Assert.Equal(Code.Ok, (await alice.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.PartialAdd, ["alice|inbox"])).Code);
        await alice.SendOkAsync(TestClient.Message(Parent, "one", liteTopic: "alice|inbox"));
        var first = await alice.ReceiveAsync(Parent, SharedGroup);
        Assert.Equal(["one"], first.Bodies);
        await alice.SendOkAsync(TestClient.Message(Parent, "two", liteTopic: "alice|inbox"));

        // alice keeps subscribe permission on the topic and group, but no longer on the lite topic she subscribed to.
        configuration["Server:Auth:Users:0:Permissions:0:LiteTopics:0"] = "alice|other*";
        configuration.Reload();

        var second = await alice.ReceiveAsync(Parent, SharedGroup, poll: TimeSpan.FromMilliseconds(200));
        PermissionTests.AssertForbidden(Assert.Single(second.Responses).Status, "alice|inbox");
        Assert.Equal(Code.Forbidden, (await alice.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.PartialAdd, ["alice|inbox"])).Code);
        // Letting go of the subscription is allowed; then receiving is too, and "two" is not delivered to her.
        Assert.Equal(Code.Ok, (await alice.SyncLiteAsync(Parent, SharedGroup, LiteSubscriptionAction.CompleteRemove, [])).Code);
        var third = await alice.ReceiveAsync(Parent, SharedGroup, poll: TimeSpan.FromMilliseconds(200));
        Assert.Equal(Code.MessageNotFound, third.Status!.Code);
    }

    [Fact]
    public async Task A_revoked_permission_applies_to_the_next_command_of_an_open_message_stream()
    {
        var configuration = Configuration(("alice|*", "Publish"));
        await using var running = await RunningBroker.StartAsync(configuration);
        var headers = new Grpc.Core.Metadata { { "x-mq-client-id", "client-stream-alice" } };
        As("alice")(headers);
        using var stream = new AgentBus.Protocol.Stream.MessageStream.MessageStreamClient(running.Channel).Open(headers);
        var send = new SendMessageRequest { Messages = { TestClient.Message(Parent, "hi", liteTopic: "alice|inbox") } };

        await stream.RequestStream.WriteAsync(new AgentBus.Protocol.Stream.ClientFrame { Id = 1, Send = send });
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(Code.Ok, stream.ResponseStream.Current.Send.Status.Code);

        configuration["Server:Auth:Users:0:Permissions:0:LiteTopics:0"] = "alice|other*";
        configuration.Reload();

        await stream.RequestStream.WriteAsync(new AgentBus.Protocol.Stream.ClientFrame { Id = 2, Send = send });
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(2UL, stream.ResponseStream.Current.Id);
        PermissionTests.AssertForbidden(stream.ResponseStream.Current.Send.Status, "alice|inbox");
        await stream.RequestStream.CompleteAsync();
        Assert.False(await stream.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task A_new_user_can_sign_in_and_a_removed_one_cannot()
    {
        var configuration = Configuration(("alice|*", "Publish"));
        await using var running = await RunningBroker.StartAsync(configuration);
        var frank = running.Client("frank");
        Assert.Equal(Code.Unauthorized, (await frank.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "frank|x"))).Status.Code);

        configuration["Server:Auth:Users:0:AccessKey"] = "frank";
        configuration["Server:Auth:Users:0:SecretKey"] = Secret("frank");
        configuration["Server:Auth:Users:0:Permissions:0:LiteTopics:0"] = "frank|*";
        configuration.Reload();

        Assert.Equal(Code.Ok, (await frank.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "frank|x"))).Status.Code);
        var alice = running.Client("alice");
        Assert.Equal(Code.Unauthorized, (await alice.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "alice|x"))).Status.Code);
    }

    [Fact]
    public async Task A_shortened_date_tolerance_applies_at_once()
    {
        var configuration = Configuration(("alice|*", "Publish"));
        await using var running = await RunningBroker.StartAsync(configuration);
        var fiveMinutesSlow = running.Client("alice", at: DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(Code.Ok, (await fiveMinutesSlow.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "alice|x"))).Status.Code);

        configuration["Server:Auth:DateTimeTolerance"] = "00:01:00";
        configuration.Reload();

        Assert.Equal(Code.Unauthorized, (await fiveMinutesSlow.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "alice|x"))).Status.Code);
        var current = running.Client("alice");
        Assert.Equal(Code.Ok, (await current.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "alice|x"))).Status.Code);
    }

    [Fact]
    public async Task An_invalid_change_is_refused_with_a_warning_and_the_previous_policy_stays()
    {
        var configuration = Configuration(("alice|*", "Publish"));
        await using var running = await RunningBroker.StartAsync(configuration);
        var alice = running.Client("alice");

        configuration["Server:Auth:Users:0:Permissions:0:Actions"] = "Publsh";
        configuration.Reload();
        configuration["Server:Auth:Users:0:Permissions:0:Actions"] = "Publish";
        configuration["Server:Auth:Users:0:Permissions:0:Topic"] = "";
        configuration.Reload();

        Assert.Equal(Code.Ok, (await alice.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "alice|x"))).Status.Code);
        var warnings = running.Logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("was not taken in", w.Message, StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("'Publsh'", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("Permissions:0:Topic", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Permissions_change_when_the_settings_file_is_rewritten()
    {
        string directory = Directory.CreateTempSubdirectory("agentbus-auth-").FullName;
        try
        {
            string file = Path.Combine(directory, "auth.json");
            await File.WriteAllTextAsync(file, Json("alice|*"));
            var configuration = new ConfigurationBuilder().AddJsonFile(file, optional: false, reloadOnChange: true).Build();
            await using var running = await RunningBroker.StartAsync(configuration);
            var alice = running.Client("alice");
            AssertForbiddenSend(await alice.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "bob|inbox")));

            await File.WriteAllTextAsync(file, Json("*"));
            await Eventually.TrueAsync(() => running.Policy.Current.Generation > 1, what: "the rewritten settings file taken in");

            Assert.Equal(Code.Ok, (await alice.SendAsync(TestClient.Message(Parent, "hi", liteTopic: "bob|inbox"))).Status.Code);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        static string Json(string liteTopic) => $$"""
            { "Server": { "Auth": { "Enabled": true, "Users": [ { "AccessKey": "alice", "SecretKey": "{{Secret("alice")}}",
              "Permissions": [ { "Actions": "Publish", "Topic": "{{Parent}}", "LiteTopics": [ "{{liteTopic}}" ] } ] } ] } } }
            """;
    }

    private static IConfigurationRoot Configuration((string LiteTopic, string Actions) alice) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:Auth:Enabled"] = "true",
            ["Server:Auth:Users:0:AccessKey"] = "alice",
            ["Server:Auth:Users:0:SecretKey"] = Secret("alice"),
            ["Server:Auth:Users:0:Permissions:0:Actions"] = alice.Actions,
            ["Server:Auth:Users:0:Permissions:0:Topic"] = Parent,
            ["Server:Auth:Users:0:Permissions:0:LiteTopics:0"] = alice.LiteTopic,
        }).Build();

    private static void AssertForbiddenSend(SendMessageResponse response) => PermissionTests.AssertForbidden(response.Status, "bob|inbox");

    /// <summary>An embedded broker reading the given configuration, with a channel and captured logs.</summary>
    private sealed class RunningBroker : IAsyncDisposable
    {
        private readonly ILoggerFactory _loggers;
        private readonly EmbeddedBroker _broker;
        private readonly GrpcChannel _channel;

        private RunningBroker(ILoggerFactory loggers, CapturingLoggerProvider logs, EmbeddedBroker broker)
        {
            _loggers = loggers;
            Logs = logs;
            _broker = broker;
            _channel = GrpcChannel.ForAddress(broker.Address);
        }

        public CapturingLoggerProvider Logs { get; }

        public GrpcChannel Channel => _channel;

        public Auth.AccessPolicyMonitor Policy => _broker.Services.GetRequiredService<Auth.AccessPolicyMonitor>();

        public static async Task<RunningBroker> StartAsync(IConfiguration configuration)
        {
            var logs = new CapturingLoggerProvider(LogLevel.Information);
            var loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
            var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Configuration = configuration, LoggerFactory = loggers });
            broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
            broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition(SharedGroup, Parent));
            return new RunningBroker(loggers, logs, broker);
        }

        public TestClient Client(string user, DateTimeOffset? at = null) => new(_channel, "client-" + Guid.NewGuid().ToString("N")[..12], As(user, at));

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await _broker.DisposeAsync();
            _loggers.Dispose();
            Assert.Empty(Logs.Errors);
        }
    }
}
