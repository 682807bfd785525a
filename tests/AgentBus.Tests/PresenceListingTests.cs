using AgentBus.Protocol.Admin;
using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;
using Grpc.Core;
using static AgentBus.TestUtilities.Signatures;

namespace AgentBus.Tests;

public sealed class PresenceListingTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    private static ValueTask Ignore(AgentContext ctx, CancellationToken ct) => ValueTask.CompletedTask;

    private static IEnumerable<(string AgentId, int Replicas)> Replicas(IReadOnlyList<AgentPresence> agents) =>
        agents.Select(agent => (agent.AgentId, agent.Replicas));

    [Fact]
    public async Task Agents_are_listed_with_their_live_replicas_and_those_without_one_are_not()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var gateway = await bus.CreateAgentAsync("gateway");              // send-only: no replica
        await gateway.SendToAsync("offline", "queued for an agent that never ran");
        await using var solo = await bus.CreateAgentAsync("solo", Ignore);
        var trio = new List<Agent>();
        for (int i = 0; i < 3; i++)
        {
            trio.Add(await (await broker.ConnectAsync()).CreateAgentAsync("trio", Ignore));
        }

        var agents = await bus.ListAgentsAsync();

        Assert.Equal([("solo", 1), ("trio", 3)], Replicas(agents));
        Assert.All(agents, agent => Assert.Equal((0L, false), (agent.Backlog, agent.IsAgentIdTruncated)));
        Assert.Equal(LiteTopicNames.ForAgent("trio"), agents[1].InboxTopic);
    }

    [Fact]
    public async Task A_replica_that_stops_drops_out_and_the_last_one_takes_the_agent_with_it()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var first = await (await broker.ConnectAsync()).CreateAgentAsync("worker", Ignore);
        var second = await (await broker.ConnectAsync()).CreateAgentAsync("worker", Ignore);
        Assert.Equal([("worker", 2)], Replicas(await bus.ListAgentsAsync()));

        await first.DisposeAsync();
        Assert.Equal([("worker", 1)], Replicas(await bus.ListAgentsAsync()));

        await second.DisposeAsync();
        Assert.Empty(await bus.ListAgentsAsync());
    }

    [Fact]
    public async Task The_backlog_counts_the_inbox_messages_not_yet_acknowledged()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var sender = await bus.CreateAgentAsync("sender");
        var started = new Signal();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var busy = await bus.CreateAgentAsync("busy", async (ctx, ct) =>
        {
            started.Set();
            await release.Task.WaitAsync(ct);
        });
        for (int i = 0; i < 3; i++)
        {
            await sender.SendToAsync("busy", i);
        }

        await started.WaitAsync(3);
        var held = Assert.Single(await bus.ListAgentsAsync());
        release.SetResult();
        await Eventually.TrueAsync(() => shared.Broker.Broker.Engine.LiteBacklog(bus.Options.ParentTopic, LiteTopicNames.ForAgent("busy"), bus.Options.ConsumerGroup) == 0, what: "inbox acknowledged");
        var drained = Assert.Single(await bus.ListAgentsAsync());

        Assert.Equal(("busy", 3L), (held.AgentId, held.Backlog));
        Assert.Equal(0, drained.Backlog);
    }

    [Fact]
    public async Task Ids_with_escapes_come_back_as_they_were_and_a_hashed_one_by_its_start()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        string longId = "research/" + new string('x', 100);
        string[] ids = ["team/writer", "a|b", "50%", "été", "😀 bot", longId];
        var agents = new List<Agent>();
        foreach (string id in ids)
        {
            agents.Add(await bus.CreateAgentAsync(id, Ignore));
        }

        var listed = (await bus.ListAgentsAsync()).ToDictionary(agent => agent.InboxTopic);

        Assert.Equal(ids.Length, listed.Count);
        foreach (string id in ids.SkipLast(1))
        {
            Assert.Equal(new AgentPresence(id, 1, 0) { InboxTopic = LiteTopicNames.ForAgent(id) }, listed[LiteTopicNames.ForAgent(id)]);
        }

        var hashed = listed[LiteTopicNames.ForAgent(longId)];
        Assert.True(hashed.IsAgentIdTruncated);
        Assert.StartsWith("research/xxx", hashed.AgentId, StringComparison.Ordinal);
        Assert.StartsWith(hashed.AgentId, longId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_authentication_on_a_signed_bus_lists_and_an_unsigned_call_is_refused()
    {
        await using var broker = await BusBroker.StartAsync(configureServer: WithAuth);
        var bus = await broker.ConnectAsync(configure: options => (options.AccessKey, options.AccessSecret) = (AccessKey, SecretKey));
        await using var agent = await bus.CreateAgentAsync("secured", Ignore);

        var agents = await bus.ListAgentsAsync();
        var unsigned = await Assert.ThrowsAsync<RpcException>(() => new AdminService.AdminServiceClient(broker.Test.Channel)
            .ListLiteTopicsAsync(new ListLiteTopicsRequest { ParentTopic = "agentbus" }).ResponseAsync);

        Assert.Equal([("secured", 1)], Replicas(agents));
        Assert.Equal(StatusCode.Unauthenticated, unsigned.StatusCode);
    }

    [Fact]
    public async Task Against_a_broker_without_the_admin_api_listing_is_not_supported()
    {
        await using var broker = await BusBroker.StartAsync(configureServer: server => server.EnableAdminService = false);
        var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("worker", Ignore);

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => bus.ListAgentsAsync());

        Assert.Contains("admin API", error.Message, StringComparison.Ordinal);
        Assert.IsType<Client.Errors.UnsupportedException>(error.InnerException);
        // Messaging is unaffected.
        await using var caller = await bus.CreateAgentAsync("caller");
        await caller.SendToAsync("worker", "still delivered");
    }
}
