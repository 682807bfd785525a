using System.Text;
using AgentBus.Broker.Consumption;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Tests.Engine;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Topics;

/// <summary>
/// Every auto-create decision the engine takes for a route, an assignment, a send and a receive: with auto-create on
/// or off, on a topic that exists, is absent, or is a lite parent; and the create-if-absent of declarations.
/// </summary>
public sealed class AutoCreateDecisionTests
{
    private static Task<EngineHarness> StartAsync(bool autoCreate, Action<BrokerOptions>? configure = null) =>
        EngineHarness.StartAsync(o =>
        {
            o.AutoCreate = autoCreate;
            configure?.Invoke(o);
        });

    private static MessageRecord Normal(string topic, string body) => new()
    {
        Topic = topic,
        MessageId = Guid.NewGuid().ToString("N"),
        Body = Encoding.UTF8.GetBytes(body),
        BornHost = "127.0.0.1",
    };

    private static ValueTask<IReadOnlyList<Delivery>> ReceiveAsync(EngineHarness h, string topic, string group = "g", int longPollMs = 0) =>
        h.Engine.ReceiveAsync(group, topic, null, 32, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(longPollMs));

    [Fact]
    public async Task RouteToAnAbsentTopicWithAutoCreateOnIsPendingAndCreatesNothing()
    {
        await using var h = await StartAsync(autoCreate: true);

        var route = h.Engine.Topics.ResolveForRoute("fresh");

        Assert.True(route.Pending);
        Assert.Equal(new TopicDefinition("fresh", TopicMessageType.Normal), route.Topic);
        Assert.False(h.Engine.Topics.TryGetTopic("fresh", out _));
    }

    [Fact]
    public async Task RouteToAnAbsentTopicWithAutoCreateOffIsTopicNotFound()
    {
        await using var h = await StartAsync(autoCreate: false);

        var error = Assert.Throws<BrokerException>(() => h.Engine.Topics.ResolveForRoute("missing"));

        Assert.Equal(BrokerErrorCode.TopicNotFound, error.Code);
        Assert.Equal("Topic 'missing' does not exist.", error.Message);
    }

    [Theory]
    [InlineData(true, TopicMessageType.Normal)]
    [InlineData(false, TopicMessageType.Normal)]
    [InlineData(true, TopicMessageType.Lite)]
    [InlineData(false, TopicMessageType.Lite)]
    public async Task RouteToAnExistingTopicDescribesItWhateverAutoCreateSays(bool autoCreate, TopicMessageType type)
    {
        await using var h = await StartAsync(autoCreate);
        var declared = new TopicDefinition("known", type, QueueCount: 7);
        h.Engine.Topics.CreateTopic(declared);

        var route = h.Engine.Topics.ResolveForRoute("known");

        Assert.False(route.Pending);
        Assert.Same(declared, route.Topic);
    }

    [Fact]
    public async Task AssignmentWithAutoCreateOffNeedsAnExistingGroupAndCreatesNone()
    {
        await using var off = await StartAsync(autoCreate: false);
        off.Engine.Topics.CreateTopic(new TopicDefinition("known", TopicMessageType.Normal));
        var error = Assert.Throws<BrokerException>(() => off.Engine.Topics.ResolveForAssignment("known", "nobody"));
        Assert.Equal(BrokerErrorCode.ConsumerGroupNotFound, error.Code);
        var missingTopic = Assert.Throws<BrokerException>(() => off.Engine.Topics.ResolveForAssignment("missing", "nobody"));
        Assert.Equal(BrokerErrorCode.TopicNotFound, missingTopic.Code); // the topic is checked first
        off.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("declared"));
        Assert.False(off.Engine.Topics.ResolveForAssignment("known", "declared").Pending);

        await using var on = await StartAsync(autoCreate: true);
        Assert.True(on.Engine.Topics.ResolveForAssignment("fresh", "fresh-group").Pending);
        Assert.Empty(on.Engine.Topics.Groups);
        Assert.Empty(on.Engine.Topics.Topics);
    }

    [Theory]
    [InlineData(false, TopicMessageType.Normal)]
    [InlineData(true, TopicMessageType.Lite)]
    public async Task SendToAnAbsentTopicWithAutoCreateOnCreatesItWithTheMessagesType(bool lite, TopicMessageType expected)
    {
        await using var h = await StartAsync(autoCreate: true);

        var topic = h.Engine.Topics.ResolveForSend("fresh", hasLiteTopic: lite);

        Assert.Equal(expected, topic.MessageType);
        Assert.True(h.Engine.Topics.TryGetTopic("fresh", out var stored));
        Assert.Same(topic, stored);
        Assert.Same(topic, h.Engine.Topics.ResolveForSend("fresh", hasLiteTopic: !lite)); // the first use fixed the type
    }

    [Fact]
    public async Task SendToAnAbsentTopicWithAutoCreateOffIsTopicNotFound()
    {
        await using var h = await StartAsync(autoCreate: false);

        var error = Assert.Throws<BrokerException>(() => h.Engine.Topics.ResolveForSend("missing", hasLiteTopic: true));

        Assert.Equal(BrokerErrorCode.TopicNotFound, error.Code);
        Assert.Empty(h.Engine.Topics.Topics);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendToAnExistingLiteParentReturnsItWhateverAutoCreateSays(bool autoCreate)
    {
        await using var h = await StartAsync(autoCreate);
        var parent = new TopicDefinition("agents", TopicMessageType.Lite);
        h.Engine.Topics.CreateTopic(parent);

        Assert.Same(parent, h.Engine.Topics.ResolveForSend("agents", hasLiteTopic: true));
        Assert.Same(parent, h.Engine.Topics.ResolveForSend("agents", hasLiteTopic: false));
    }

    [Fact]
    public async Task ReceiveOnAnAbsentTopicWithAutoCreateOnCreatesANormalTopicAndGroupAndAnswersEmpty()
    {
        await using var h = await StartAsync(autoCreate: true);

        var deliveries = await ReceiveAsync(h, "fresh");

        Assert.Empty(deliveries);
        Assert.True(h.Engine.Topics.TryGetTopic("fresh", out var topic));
        Assert.Equal(new TopicDefinition("fresh", TopicMessageType.Normal), topic);
        Assert.True(h.Engine.Topics.TryGetGroup("g", out var group));
        Assert.Null(group.BindTopic);
    }

    [Fact]
    public async Task ReceiveOnAnAbsentTopicWithAutoCreateOnLongPollsUntilTheFirstMessage()
    {
        await using var h = await StartAsync(autoCreate: true);

        var receive = ReceiveAsync(h, "fresh", longPollMs: 60_000).AsTask();
        Assert.False(receive.IsCompleted); // waiting on the topic it created, not refused
        await h.Engine.SendAsync(Normal("fresh", "first"));
        var deliveries = await receive.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["first"], deliveries.Select(d => d.BodyText()));
    }

    [Fact]
    public async Task ReceiveOnAnAbsentTopicWithAutoCreateOffIsTopicNotFoundAndCreatesNothing()
    {
        await using var h = await StartAsync(autoCreate: false);

        var error = await Assert.ThrowsAsync<BrokerException>(() => ReceiveAsync(h, "missing").AsTask());

        Assert.Equal(BrokerErrorCode.TopicNotFound, error.Code);
        Assert.Equal("Topic 'missing' does not exist.", error.Message);
        Assert.Empty(h.Engine.Topics.Topics);
        Assert.Empty(h.Engine.Topics.Groups);
    }

    [Fact]
    public async Task ReceiveOnAnExistingTopicWithAutoCreateOffNeedsAnExistingGroup()
    {
        await using var h = await StartAsync(autoCreate: false);
        h.Engine.Topics.CreateTopic(new TopicDefinition("known", TopicMessageType.Normal));

        var error = await Assert.ThrowsAsync<BrokerException>(() => ReceiveAsync(h, "known").AsTask());
        Assert.Equal(BrokerErrorCode.ConsumerGroupNotFound, error.Code);

        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g"));
        Assert.Empty(await ReceiveAsync(h, "known"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReceiveOnALiteParentIsATypeMismatchWhateverAutoCreateSays(bool autoCreate)
    {
        await using var h = await StartAsync(autoCreate);
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g"));

        var error = await Assert.ThrowsAsync<BrokerException>(() => ReceiveAsync(h, "agents").AsTask());

        Assert.Equal(BrokerErrorCode.MessageTypeMismatch, error.Code);
        Assert.Contains("receive through a lite subscription", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiveOnAnAbsentTopicAtTheAutoCreateQuotaIsTopicNotFoundNamingTheKey()
    {
        await using var h = await StartAsync(autoCreate: true, o => o.MaxAutoCreatedTopics = 1);
        h.Engine.Topics.CreateTopic(new TopicDefinition("declared", TopicMessageType.Normal));

        var error = await Assert.ThrowsAsync<BrokerException>(() => ReceiveAsync(h, "fresh").AsTask());

        Assert.Equal(BrokerErrorCode.TopicNotFound, error.Code);
        Assert.Contains("Broker:MaxAutoCreatedTopics", error.Message, StringComparison.Ordinal);
        Assert.False(h.Engine.Topics.TryGetTopic("fresh", out _));
    }

    [Fact]
    public async Task AReceiveRefusedForItsArgumentsCreatesNoTopic()
    {
        await using var h = await StartAsync(autoCreate: true);

        var error = await Assert.ThrowsAsync<BrokerException>(() =>
            h.Engine.ReceiveAsync("g", "fresh", null, 32, TimeSpan.Zero, TimeSpan.Zero).AsTask());

        Assert.Equal(BrokerErrorCode.IllegalInvisibleTime, error.Code);
        Assert.Empty(h.Engine.Topics.Topics);
    }

    [Fact]
    public async Task LiteReceiveOnAnAbsentParentWithAutoCreateOnCreatesItAsALiteParentWithItsBoundGroup()
    {
        await using var h = await StartAsync(autoCreate: true);

        Assert.Empty(await h.ReceiveAsync("c1", "g", "agents"));

        Assert.True(h.Engine.Topics.TryGetTopic("agents", out var parent));
        Assert.Equal(TopicMessageType.Lite, parent.MessageType);
        Assert.True(h.Engine.Topics.TryGetGroup("g", out var group));
        Assert.Equal("agents", group.BindTopic);
    }

    [Fact]
    public async Task LiteReceiveWithAutoCreateOffNeedsTheParentAndTheGroup()
    {
        await using var h = await StartAsync(autoCreate: false);

        var noParent = await Assert.ThrowsAsync<BrokerException>(() => h.ReceiveAsync("c1", "g", "agents"));
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        var noGroup = await Assert.ThrowsAsync<BrokerException>(() => h.ReceiveAsync("c1", "g", "agents"));

        Assert.Equal(BrokerErrorCode.TopicNotFound, noParent.Code);
        Assert.Equal(BrokerErrorCode.ConsumerGroupNotFound, noGroup.Code);
        Assert.Empty(h.Engine.Topics.Groups);
    }

    [Fact]
    public async Task GetOrCreateTopicLeavesAnExistingDefinitionAsItIs()
    {
        await using var h = await StartAsync(autoCreate: false);
        var declared = new TopicDefinition("agents", TopicMessageType.Lite, LiteTopicTtl: TimeSpan.FromMinutes(30));
        Assert.Same(declared, h.Engine.Topics.GetOrCreateTopic(declared));

        var again = h.Engine.Topics.GetOrCreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));

        Assert.Same(declared, again);
        Assert.True(h.Engine.Topics.TryGetTopic("agents", out var stored));
        Assert.Same(declared, stored);
        var error = Assert.Throws<BrokerException>(() => h.Engine.Topics.GetOrCreateTopic(new TopicDefinition("agents", TopicMessageType.Lite, QueueCount: 0)));
        Assert.Equal(BrokerErrorCode.BadRequest, error.Code); // validated even when the topic exists
    }

    [Fact]
    public async Task GetOrCreateFromSeveralThreadsCreatesOnceAndJournalsOnce()
    {
        await using var h = await StartAsync(autoCreate: false);
        string journal = Path.Combine(h.DataDirectory, MetadataJournal.FileName);
        h.Engine.Topics.GetOrCreateTopic(new TopicDefinition("baseline-topic", TopicMessageType.Normal));
        h.Engine.Topics.GetOrCreateGroup(new ConsumerGroupDefinition("baseline-group"));
        using var start = new Barrier(8);

        // Threads of their own: eight pool tasks blocked on the barrier would wait for the pool to grow.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            var topic = h.Engine.Topics.GetOrCreateTopic(new TopicDefinition("racing-topic", TopicMessageType.Normal, QueueCount: i + 1));
            var group = h.Engine.Topics.GetOrCreateGroup(new ConsumerGroupDefinition("racing-group", MaxDeliveryAttempts: i + 1));
            return (topic, group);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        Assert.Single(results.Select(r => r.topic).Distinct());
        Assert.Single(results.Select(r => r.group).Distinct());
        Assert.True(h.Engine.Topics.TryGetTopic("racing-topic", out var stored));
        Assert.Same(results[0].topic, stored);
        byte[] bytes = File.ReadAllBytes(journal);
        Assert.Equal(Occurrences(bytes, "baseline-topic"), Occurrences(bytes, "racing-topic"));
        Assert.Equal(Occurrences(bytes, "baseline-group"), Occurrences(bytes, "racing-group"));
        Assert.True(Occurrences(bytes, "racing-topic") > 0);
    }

    [Fact]
    public async Task ConcurrentFirstSendsAndReceivesCreateTheTopicOnce()
    {
        await using var h = await StartAsync(autoCreate: true);
        string journal = Path.Combine(h.DataDirectory, MetadataJournal.FileName);
        h.Engine.Topics.ResolveForSend("baseline-topic", hasLiteTopic: false);
        using var start = new Barrier(8);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Factory.StartNew(async () =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            if (i % 2 == 0)
            {
                await h.Engine.SendAsync(Normal("racing-topic", $"m{i}"));
            }
            else
            {
                await ReceiveAsync(h, "racing-topic", group: $"g{i}");
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));

        byte[] bytes = File.ReadAllBytes(journal);
        Assert.Equal(Occurrences(bytes, "baseline-topic"), Occurrences(bytes, "racing-topic"));
        Assert.True(h.Engine.Topics.TryGetTopic("racing-topic", out var topic));
        Assert.Equal(TopicMessageType.Normal, topic.MessageType);
    }

    private static int Occurrences(byte[] haystack, string needle)
    {
        byte[] pattern = Encoding.UTF8.GetBytes($"\"{needle}\"");
        int count = 0;
        for (int i = haystack.AsSpan().IndexOf(pattern); i >= 0;)
        {
            count++;
            int next = haystack.AsSpan(i + 1).IndexOf(pattern);
            i = next < 0 ? -1 : i + 1 + next;
        }

        return count;
    }
}
