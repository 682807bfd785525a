using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;

namespace AgentBus.Tests;

public sealed class SessionTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task A_session_reads_what_arrived_while_no_owner_held_it_then_what_comes_next()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("researcher");
        await agent.SendToSessionAsync("chat-1", "found while the gateway was down");

        await using var gateway = await bus.CreateAgentAsync("gateway");
        await using var session = await gateway.OpenSessionAsync("chat-1");
        await agent.SendToSessionAsync("chat-1", "found afterwards");

        var read = await SessionReading.ReadAsync(session, 2);
        Assert.Equal(["found while the gateway was down", "found afterwards"], read.Select(m => m.GetBody<string>()));
        Assert.All(read, m => Assert.Equal("researcher", m.Envelope.From));
        Assert.All(read, m => Assert.Equal("chat-1", m.Envelope.SessionId));
    }

    [Fact]
    public async Task A_second_instance_takes_the_session_over_and_continues_from_what_the_first_had_read()
    {
        await using var broker = shared.Broker.Scope();
        var agents = await broker.ConnectAsync("agents");
        await using var agent = await agents.CreateAgentAsync("writer");
        var firstBus = await broker.ConnectAsync("gateway-a");
        var first = await firstBus.CreateAgentAsync("gateway");
        var firstSession = await first.OpenSessionAsync("task-7");
        for (int i = 0; i < 3; i++)
        {
            await agent.SendToSessionAsync("task-7", i);
        }

        var readByFirst = (await SessionReading.ReadAsync(firstSession, 2)).Select(m => m.GetBody<int>()).ToList();
        Assert.Equal([0, 1], readByFirst);

        // Failover: another gateway instance opens the session; the first is told to let go.
        var secondBus = await broker.ConnectAsync("gateway-b");
        var second = await secondBus.CreateAgentAsync("gateway");
        await using var secondSession = await second.OpenSessionAsync("task-7");
        await firstSession.OwnershipLost.WaitHandleAsync(TimeSpan.FromSeconds(10));
        await agent.SendToSessionAsync("task-7", 3);

        var readBySecond = (await SessionReading.ReadAsync(secondSession, 2)).Select(m => m.GetBody<int>()).ToList();
        Assert.Equal([2, 3], readBySecond);
    }

    [Fact]
    public async Task A_request_made_through_a_session_is_answered_on_the_session()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        string? seenSession = null;
        await using var planner = await bus.CreateAgentAsync("planner", (ctx, ct) =>
        {
            seenSession = ctx.Envelope.SessionId;
            return ctx.ReplyAsync("plan for " + ctx.GetBody<string>(), ct);
        });
        await using var gateway = await bus.CreateAgentAsync("gateway");
        await using var session = await gateway.OpenSessionAsync("conversation-9");

        Assert.Equal("plan for trip", await session.RequestAsync<string, string>("planner", "trip"));
        Assert.Equal("conversation-9", seenSession);
    }

    [Fact]
    public async Task A_session_replays_its_history_from_an_offset_then_goes_on_with_what_arrives()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("ledger");
        await using var owner = await bus.CreateAgentAsync("owner");
        var session = await owner.OpenSessionAsync("account-1");
        for (int i = 0; i < 5; i++)
        {
            await agent.SendToSessionAsync("account-1", i);
        }

        var live = await SessionReading.ReadAsync(session, 5);
        Assert.Equal([0, 1, 2, 3, 4], live.Select(m => m.Envelope.Offset));
        await session.DisposeAsync();

        await using var replay = await owner.OpenSessionAsync("account-1", replayFromOffset: 2);
        await agent.SendToSessionAsync("account-1", 5);

        var replayed = await SessionReading.ReadAsync(replay, 4);
        Assert.Equal([2, 3, 4, 5], replayed.Select(m => m.GetBody<int>()));
    }

    [Fact]
    public async Task One_instance_owns_more_sessions_than_one_client_may_subscribe()
    {
        await using var broker = await BusBroker.StartAsync(configure: o => o.MaxLiteSubscriptionsPerClient = 5);
        var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("poster");
        await using var owner = await bus.CreateAgentAsync("owner");
        var sessions = new List<AgentSession>();
        for (int i = 0; i < 12; i++)
        {
            sessions.Add(await owner.OpenSessionAsync($"chat-{i}"));
        }

        await agent.SendToSessionAsync("chat-11", "to the last one");
        await agent.SendToSessionAsync("chat-0", "to the first one");

        Assert.Equal("to the last one", (await SessionReading.ReadAsync(sessions[11], 1))[0].GetBody<string>());
        Assert.Equal("to the first one", (await SessionReading.ReadAsync(sessions[0], 1))[0].GetBody<string>());
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        // Closing gives the sessions up: their subscriptions are gone from the broker.
        await Eventually.TrueAsync(() => broker.Broker.Engine.LiteSubscriptionCount <= 2, what: "closed sessions unsubscribed");
    }
}

internal static class CancellationTokenWaits
{
    public static Task WaitHandleAsync(this CancellationToken token, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task.WaitAsync(timeout);
    }
}
