using AgentBus.Client.Messages;
using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;
using static AgentBus.TestUtilities.Signatures;

namespace AgentBus.Tests;

public sealed class SessionHistoryTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task History_is_read_page_by_page_while_another_instance_owns_the_session_which_it_keeps()
    {
        await using var broker = shared.Broker.Scope();
        var ownerBus = await broker.ConnectAsync("gateway-a");
        await using var owner = await ownerBus.CreateAgentAsync("gateway");
        await using var session = await owner.OpenSessionAsync("chat-1");
        var readerBus = await broker.ConnectAsync("dashboard");
        await using var writer = await readerBus.CreateAgentAsync("writer");
        for (int i = 0; i < 5; i++)
        {
            await writer.SendToSessionAsync("chat-1", i);
        }

        var first = await writer.ReadSessionHistoryAsync("chat-1", maxCount: 3);
        var second = await writer.ReadSessionHistoryAsync("chat-1", first.NextOffset, 3);
        var owned = await SessionReading.ReadAsync(session, 5);

        Assert.Equal([0, 1, 2], first.Messages.Select(m => m.GetBody<int>()));
        Assert.Equal([0L, 1L, 2L], first.Messages.Select(m => m.Envelope.Offset));
        Assert.Equal((0L, 3L, 5L, true), (first.FirstOffset, first.NextOffset, first.EndOffset, first.HasMore));
        Assert.All(first.Messages, m => Assert.Equal(("writer", "chat-1", MessageKind.Message), (m.Envelope.From, m.Envelope.SessionId, m.Envelope.Kind)));
        Assert.Equal([3, 4], second.Messages.Select(m => m.GetBody<int>()));
        Assert.Equal((5L, false), (second.NextOffset, second.HasMore));
        // The owner was neither disturbed nor deprived of a message.
        Assert.Equal([0, 1, 2, 3, 4], owned.Select(m => m.GetBody<int>()));
        Assert.False(session.OwnershipLost.IsCancellationRequested);
    }

    [Fact]
    public async Task Replies_to_session_requests_and_posts_read_back_in_the_order_they_were_stored_after_the_session_closed()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var planner = await bus.CreateAgentAsync("planner", (ctx, ct) => ctx.ReplyAsync("plan for " + ctx.GetBody<string>(), ct));
        await using var gateway = await bus.CreateAgentAsync("gateway");
        await using (var session = await gateway.OpenSessionAsync("trip-1"))
        {
            Assert.Equal("plan for Lisbon", await session.RequestAsync<string, string>("planner", "Lisbon"));
            await gateway.SendToSessionAsync("trip-1", "the user accepted the plan");
        }

        var history = await gateway.ReadSessionHistoryAsync("trip-1");

        Assert.Equal([MessageKind.Reply, MessageKind.Message], history.Messages.Select(m => m.Envelope.Kind));
        Assert.Equal(["plan for Lisbon", "the user accepted the plan"], history.Messages.Select(m => m.GetBody<string>()));
        Assert.Equal(["planner", "gateway"], history.Messages.Select(m => m.Envelope.From));
    }

    [Fact]
    public async Task A_session_nobody_posted_to_reads_as_empty()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("reader");

        var history = await agent.ReadSessionHistoryAsync("never-used");

        Assert.Empty(history.Messages);
        Assert.Equal((0L, 0L, 0L, false), (history.FirstOffset, history.NextOffset, history.EndOffset, history.HasMore));
    }

    [Fact]
    public async Task A_message_on_the_session_topic_that_is_not_a_bus_message_is_left_out_but_passed_over()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("reader");
        await agent.SendToSessionAsync("mixed", "before");
        await using (var producer = await bus.Provider.NewProducerBuilder().SetTopics(bus.Options.ParentTopic).BuildAsync())
        {
            await producer.SendAsync(new MessageBuilder().SetTopic(bus.Options.ParentTopic).SetLiteTopic(LiteTopicNames.ForSession("mixed"))
                .SetBody("hand-made, no envelope").Build());
        }

        await agent.SendToSessionAsync("mixed", "after");

        var history = await agent.ReadSessionHistoryAsync("mixed");

        Assert.Equal(["before", "after"], history.Messages.Select(m => m.GetBody<string>()));
        Assert.Equal([0L, 2L], history.Messages.Select(m => m.Envelope.Offset));
        Assert.Equal(3, history.NextOffset);
    }

    [Fact]
    public async Task History_survives_a_broker_restart()
    {
        await using var broker = await BusBroker.StartAsync();
        var bus = await broker.ConnectAsync();
        await using (var agent = await bus.CreateAgentAsync("writer"))
        {
            await agent.SendToSessionAsync("durable", "kept");
        }

        await broker.RestartAsync();
        var after = await broker.ConnectAsync("after-restart");
        await using var reader = await after.CreateAgentAsync("reader");

        var history = await reader.ReadSessionHistoryAsync("durable");

        Assert.Equal("kept", Assert.Single(history.Messages).GetBody<string>());
    }

    [Fact]
    public async Task With_authentication_on_a_signed_bus_reads_the_history()
    {
        await using var broker = await BusBroker.StartAsync(configureServer: WithAuth);
        var bus = await broker.ConnectAsync(configure: options => (options.AccessKey, options.AccessSecret) = (AccessKey, SecretKey));
        await using var agent = await bus.CreateAgentAsync("secured");
        await agent.SendToSessionAsync("secret-chat", "hello");

        var history = await agent.ReadSessionHistoryAsync("secret-chat");

        Assert.Equal("hello", Assert.Single(history.Messages).GetBody<string>());
    }

    [Theory]
    [InlineData("", 0, 10)]
    [InlineData("s", -1, 10)]
    [InlineData("s", 0, 0)]
    [InlineData("s", 0, Agent.MaxHistoryPage + 1)]
    public async Task Bad_arguments_are_refused_before_any_call(string sessionId, long fromOffset, int maxCount)
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("reader");

        await Assert.ThrowsAnyAsync<ArgumentException>(() => agent.ReadSessionHistoryAsync(sessionId, fromOffset, maxCount));
    }

    [Fact]
    public async Task Against_a_broker_without_the_admin_api_reading_history_is_not_supported_and_sessions_still_work()
    {
        await using var broker = await BusBroker.StartAsync(configureServer: server => server.EnableAdminService = false);
        var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("writer");
        await agent.SendToSessionAsync("chat", "hello");

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => agent.ReadSessionHistoryAsync("chat"));

        Assert.Contains("admin API", error.Message, StringComparison.Ordinal);
        Assert.IsType<Client.Errors.UnsupportedException>(error.InnerException);
        await using var session = await agent.OpenSessionAsync("chat");
        Assert.Equal("hello", Assert.Single(await SessionReading.ReadAsync(session, 1)).GetBody<string>());
    }
}
