using System.Text.Json;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Cli.Tests;

/// <summary>The agentbus command end to end, in-process, against the real broker over gRPC on loopback.</summary>
public sealed class CliTests
{
    private static async Task<(BusBroker Broker, AgentBusClient Bus, Agent Worker)> StartWithAgentAsync(Signal? handled = null)
    {
        var broker = await BusBroker.StartAsync();
        var bus = await broker.ConnectAsync();
        var worker = await bus.CreateAgentAsync("writer", async (ctx, ct) =>
        {
            if (ctx.IsRequest)
            {
                var request = ctx.GetBody<JsonElement>();
                await ctx.ReplyAsync(new { echoed = request.GetProperty("topic").GetString() }, ct);
            }

            handled?.Set();
        });
        return (broker, bus, worker);
    }

    [Fact]
    public async Task Agents_lists_a_live_agent_as_a_table_and_as_json()
    {
        var (broker, bus, worker) = await StartWithAgentAsync();
        await using var _ = broker;

        var table = await CliRun.RunAsync("agents", "--endpoint", broker.Endpoint);
        var json = (await CliRun.RunAsync("agents", "--endpoint", broker.Endpoint, "--json")).Json();

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("writer", table.Output, StringComparison.Ordinal);
        Assert.Contains("Replicas", table.Output, StringComparison.Ordinal);
        var agent = Assert.Single(json.EnumerateArray());
        Assert.Equal(("writer", 1, 0), (agent.GetProperty("agentId").GetString(), agent.GetProperty("replicas").GetInt32(), agent.GetProperty("backlog").GetInt32()));
    }

    [Fact]
    public async Task Lite_ls_shows_backlog_and_subscribers_and_peek_shows_the_messages()
    {
        await using var broker = await BusBroker.StartAsync();
        await using var bus = await broker.ConnectAsync();
        await using var gateway = await bus.CreateAgentAsync("gateway");
        // Queued for an agent that is not running: a backlog of 2 and no subscriber.
        await gateway.SendToAsync("offline", "first");
        await gateway.SendToAsync("offline", "second");
        await using var online = await bus.CreateAgentAsync("online", (_, _) => ValueTask.CompletedTask);
        string inbox = LiteTopicNames.ForAgent("offline");

        var table = await CliRun.RunAsync("lite", "ls", "--prefix", "agent|", "--endpoint", broker.Endpoint);
        var rows = (await CliRun.RunAsync("lite", "ls", "--prefix", "agent|", "--endpoint", broker.Endpoint, "--json")).Json();
        var subscribed = (await CliRun.RunAsync("lite", "ls", "--subscribed", "--endpoint", broker.Endpoint, "--json")).Json();
        var peek = (await CliRun.RunAsync("lite", "peek", "agentbus", inbox, "--endpoint", broker.Endpoint, "--json")).Json();
        var peekTable = await CliRun.RunAsync("lite", "peek", "agentbus", inbox, "--from", "1", "--count", "5", "--endpoint", broker.Endpoint);
        var show = (await CliRun.RunAsync("lite", "show", "agentbus", LiteTopicNames.ForAgent("online"), "--endpoint", broker.Endpoint, "--json")).Json();

        Assert.Equal(0, table.ExitCode);
        Assert.Contains(inbox, table.Output, StringComparison.Ordinal);
        var offline = rows.EnumerateArray().Single(r => r.GetProperty("name").GetString() == inbox);
        Assert.Equal((2, 2, 0), (offline.GetProperty("backlog").GetInt32(), offline.GetProperty("messages").GetInt32(), offline.GetProperty("subscribers").GetInt32()));
        var live = rows.EnumerateArray().Single(r => r.GetProperty("name").GetString() == LiteTopicNames.ForAgent("online"));
        Assert.Equal(1, live.GetProperty("subscribers").GetInt32());
        Assert.DoesNotContain(subscribed.EnumerateArray(), r => r.GetProperty("name").GetString() == inbox);

        var messages = peek.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal([0L, 1L], messages.Select(m => m.GetProperty("offset").GetInt64()));
        Assert.Contains("first", messages[0].GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, peek.GetProperty("nextOffset").GetInt64());
        Assert.Equal(0, peekTable.ExitCode);
        Assert.Contains("second", peekTable.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("first", peekTable.Output, StringComparison.Ordinal);

        Assert.Equal(1, show.GetProperty("subscribers").GetArrayLength());
        Assert.Contains(show.GetProperty("groups").EnumerateArray(), g => g.GetProperty("consumerGroup").GetString() == "agentbus");
    }

    [Fact]
    public async Task Send_and_request_reach_an_agent_and_the_reply_is_printed_as_json()
    {
        var handled = new Signal();
        var (broker, bus, worker) = await StartWithAgentAsync(handled);
        await using var _ = broker;

        var sent = await CliRun.RunAsync("send", "writer", """{"topic":"note"}""", "--endpoint", broker.Endpoint);
        await handled.WaitAsync(what: "the sent message handled");
        var reply = (await CliRun.RunAsync("request", "writer", """{"topic":"lite topics"}""", "--endpoint", broker.Endpoint, "--timeout", "10")).Json();

        Assert.Equal(0, sent.ExitCode);
        Assert.StartsWith("Sent ", sent.Output, StringComparison.Ordinal);
        Assert.Equal("lite topics", reply.GetProperty("echoed").GetString());
    }

    [Fact]
    public async Task Session_show_prints_the_history_of_a_session()
    {
        await using var broker = await BusBroker.StartAsync();
        await using var bus = await broker.ConnectAsync();
        await using var user = await bus.CreateAgentAsync("user");
        await user.SendToSessionAsync("chat-1", "hello there");
        await user.SendToSessionAsync("chat-1", "and again");

        var history = (await CliRun.RunAsync("session", "show", "chat-1", "--endpoint", broker.Endpoint, "--json")).Json();

        var messages = history.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains("hello there", messages[0].GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal("user", messages[0].GetProperty("from").GetString());
    }

    [Fact]
    public async Task Session_replay_hands_the_sessions_messages_to_its_owner_again()
    {
        await using var broker = await BusBroker.StartAsync();
        await using var bus = await broker.ConnectAsync();
        await using var user = await bus.CreateAgentAsync("user");
        await using var owner = await bus.CreateAgentAsync("owner");
        await using var session = await owner.OpenSessionAsync("chat-2");
        await user.SendToSessionAsync("chat-2", "first");
        await user.SendToSessionAsync("chat-2", "second");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = new List<string>();
        await using var messages = session.ReadAllAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        while (read.Count < 2 && await messages.MoveNextAsync())
        {
            read.Add(messages.Current.GetBody<string>());
        }

        var replay = (await CliRun.RunAsync("session", "replay", "chat-2", "--endpoint", broker.Endpoint, "--json")).Json();
        while (read.Count < 4 && await messages.MoveNextAsync())
        {
            read.Add(messages.Current.GetBody<string>());
        }

        // Where the group was depends on how many acks had landed; where it is does not.
        Assert.InRange(replay.GetProperty("previousOffset").GetInt64(), 0L, 2L);
        Assert.Equal(0L, replay.GetProperty("committedOffset").GetInt64());
        Assert.Equal(["first", "second", "first", "second"], read);
        Assert.Equal(ExitCodes.Usage, (await CliRun.RunAsync("session", "replay", "chat-2", "--from", "-1", "--endpoint", broker.Endpoint)).ExitCode);
    }

    [Fact]
    public async Task Topics_groups_clients_stats_offsets_and_delete_work_over_the_admin_api()
    {
        await using var broker = await BusBroker.StartAsync();
        await using var bus = await broker.ConnectAsync();
        await using var gateway = await bus.CreateAgentAsync("gateway");
        await gateway.SendToAsync("later", "queued");
        string inbox = LiteTopicNames.ForAgent("later");
        string endpoint = broker.Endpoint;

        var topics = (await CliRun.RunAsync("topics", "--endpoint", endpoint, "--json")).Json();
        var groups = (await CliRun.RunAsync("groups", "agentbus", "--endpoint", endpoint, "--json")).Json();
        var clients = (await CliRun.RunAsync("clients", "--endpoint", endpoint, "--json")).Json();
        var stats = (await CliRun.RunAsync("stats", "--endpoint", endpoint, "--json")).Json();
        var watch = await CliRun.RunAsync("stats", "--watch", "--interval", "0.1", "--count", "2", "--endpoint", endpoint);
        var reset = (await CliRun.RunAsync("offsets", "reset", "agentbus", inbox, "--group", "agentbus", "--to", "max", "--endpoint", endpoint, "--json")).Json();
        var deleted = await CliRun.RunAsync("lite", "delete", "agentbus", inbox, "--endpoint", endpoint);
        var gone = await CliRun.RunAsync("lite", "show", "agentbus", inbox, "--endpoint", endpoint);

        var parent = topics.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "agentbus");
        Assert.Equal("LITE", parent.GetProperty("messageType").GetString());
        Assert.True(parent.GetProperty("messageCount").GetInt64() >= 1);
        Assert.Equal("agentbus", groups.GetProperty("bindTopic").GetString());
        Assert.True(groups.GetProperty("backlog")[0].GetProperty("backlog").GetInt64() >= 1);
        Assert.NotEmpty(clients.EnumerateArray());
        Assert.True(stats.GetProperty("messagesIn").GetInt64() >= 1);
        Assert.Equal(0, watch.ExitCode);
        Assert.Equal(3, watch.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);   // header and two refreshes
        Assert.Equal((1L, 1L), (reset.GetProperty("committedOffset").GetInt64(), reset.GetProperty("maxOffset").GetInt64()));
        Assert.Equal(0, deleted.ExitCode);
        Assert.Contains("1 messages", deleted.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
        Assert.Single(gone.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Null(broker.Test.Engine.LiteOffsets("agentbus", inbox, "agentbus"));
    }

    [Fact]
    public async Task Topics_and_groups_are_created_updated_and_deleted()
    {
        await using var broker = await BusBroker.StartAsync();
        string endpoint = broker.Endpoint;

        var created = (await CliRun.RunAsync("topics", "create", "orders", "--type", "normal", "--queues", "2", "--endpoint", endpoint, "--json")).Json();
        var updated = (await CliRun.RunAsync("topics", "update", "orders", "--queues", "6", "--endpoint", endpoint, "--json")).Json();
        var lite = (await CliRun.RunAsync("topics", "create", "tasks", "--type", "lite", "--ttl", "600", "--endpoint", endpoint, "--json")).Json();
        var again = await CliRun.RunAsync("topics", "create", "orders", "--type", "normal", "--endpoint", endpoint);
        var shrink = await CliRun.RunAsync("topics", "update", "orders", "--queues", "1", "--endpoint", endpoint);
        var untyped = await CliRun.RunAsync("topics", "create", "x", "--endpoint", endpoint);
        var group = (await CliRun.RunAsync("groups", "create", "workers", "--topic", "tasks", "--exclusive", "--max-attempts", "3", "--endpoint", endpoint, "--json")).Json();
        var regroup = (await CliRun.RunAsync("groups", "update", "workers", "--max-attempts", "9", "--endpoint", endpoint, "--json")).Json();
        var dropped = await CliRun.RunAsync("groups", "delete", "workers", "--endpoint", endpoint);
        var deleted = await CliRun.RunAsync("topics", "delete", "orders", "--endpoint", endpoint);
        var missing = await CliRun.RunAsync("topics", "delete", "orders", "--endpoint", endpoint);

        Assert.Equal(("NORMAL", 2), (created.GetProperty("messageType").GetString(), created.GetProperty("queueCount").GetInt32()));
        Assert.Equal(("NORMAL", 6), (updated.GetProperty("messageType").GetString(), updated.GetProperty("queueCount").GetInt32()));
        Assert.Equal(("LITE", 600.0), (lite.GetProperty("messageType").GetString(), lite.GetProperty("liteTopicTtlSeconds").GetDouble()));
        Assert.Equal(ExitCodes.BrokerError, again.ExitCode);
        Assert.Equal(ExitCodes.BrokerError, shrink.ExitCode);
        Assert.Equal(ExitCodes.Usage, untyped.ExitCode);
        Assert.Equal(("tasks", "exclusive", 3), (group.GetProperty("bindTopic").GetString(), group.GetProperty("liteMode").GetString(), group.GetProperty("maxDeliveryAttempts").GetInt32()));
        Assert.Equal(("exclusive", 9), (regroup.GetProperty("liteMode").GetString(), regroup.GetProperty("maxDeliveryAttempts").GetInt32()));
        Assert.Equal((0, 0), (dropped.ExitCode, deleted.ExitCode));
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.False(broker.Test.Engine.Topics.TryGetTopic("orders", out _));
        Assert.False(broker.Test.Engine.Topics.TryGetGroup("workers", out _));
        Assert.True(broker.Test.Engine.Topics.TryGetTopic("tasks", out _));
    }

    [Fact]
    public async Task Dlq_lists_replays_and_purges_a_groups_dead_letters()
    {
        await using var broker = await BusBroker.StartAsync();
        await using var bus = await broker.ConnectAsync();
        await using var gateway = await bus.CreateAgentAsync("gateway");
        await gateway.SendToAsync("broken", "one");
        await gateway.SendToAsync("broken", "two");
        string inbox = LiteTopicNames.ForAgent("broken");
        var engine = broker.Test.Engine;
        engine.SyncLiteSubscription("operator", "agentbus", "agentbus", LiteSyncAction.PartialAdd, [inbox]);
        foreach (var delivery in await engine.ReceiveLiteAsync("operator", "agentbus", "agentbus", 32, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)))
        {
            engine.ForwardToDeadLetter("agentbus", delivery.ReceiptHandle);
        }

        engine.ClientTerminated("operator");
        string endpoint = broker.Endpoint;

        var listed = (await CliRun.RunAsync("dlq", "ls", "--endpoint", endpoint, "--json")).Json();
        var table = await CliRun.RunAsync("dlq", "ls", "agentbus", "--endpoint", endpoint);
        var replayed = await CliRun.RunAsync("dlq", "replay", "--count", "1", "--endpoint", endpoint);
        var purged = (await CliRun.RunAsync("dlq", "purge", "--endpoint", endpoint, "--json")).Json();
        var empty = await CliRun.RunAsync("dlq", "ls", "--endpoint", endpoint);
        var inboxNow = (await CliRun.RunAsync("lite", "peek", "agentbus", inbox, "--from", "2", "--endpoint", endpoint, "--json")).Json();
        var unknown = await CliRun.RunAsync("dlq", "ls", "nobody", "--endpoint", endpoint);

        Assert.Equal(2, listed.GetProperty("pending").GetInt64());
        Assert.All(listed.GetProperty("messages").EnumerateArray(), m => Assert.Equal(inbox, m.GetProperty("originLiteTopic").GetString()));
        Assert.Contains("2 pending", table.Output, StringComparison.Ordinal);
        Assert.Contains("Replayed 1 dead letter(s) of agentbus; 1 remain.", replayed.Output, StringComparison.Ordinal);
        Assert.Equal(1, purged.GetProperty("purged").GetInt64());
        Assert.Contains("No pending dead letters", empty.Output, StringComparison.Ordinal);
        Assert.Contains("one", Assert.Single(inboxNow.GetProperty("messages").EnumerateArray()).GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
    }

    [Theory]
    [InlineData("no-such-verb")]
    [InlineData("lite")]
    [InlineData("lite", "peek", "agentbus")]
    [InlineData("lite", "peek", "agentbus", "x", "--count", "many")]
    [InlineData("offsets", "reset", "agentbus", "x", "--group", "g", "--to", "middle")]
    [InlineData("send", "writer", "not json")]
    public async Task Usage_errors_exit_2_without_touching_a_broker(params string[] args)
    {
        // A closed port: a usage error must be found before any connection is tried.
        var run = await CliRun.RunAsync([.. args, "--endpoint", "127.0.0.1:1", "--timeout", "30"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.NotEmpty(run.Error);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task A_bad_endpoint_exits_4_with_one_clear_line()
    {
        var run = await CliRun.RunAsync("lite", "ls", "--endpoint", "127.0.0.1:1", "--timeout", "1");

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot reach the broker at 127.0.0.1:1", line, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task A_refusal_of_the_broker_exits_1_and_an_unknown_parent_exits_3()
    {
        await using var broker = await BusBroker.StartAsync();

        var refused = await CliRun.RunAsync("offsets", "reset", "agentbus", "agent|x", "--group", "agentbus", "--to", "5", "--endpoint", broker.Endpoint);
        var unknown = await CliRun.RunAsync("lite", "ls", "nothing-here", "--endpoint", broker.Endpoint);

        Assert.Equal(ExitCodes.NotFound, refused.ExitCode);   // the lite topic does not exist
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Contains("nothing-here", unknown.Error, StringComparison.Ordinal);
        broker.Test.Engine.SyncLiteSubscription("c1", "agentbus", "agentbus", LiteSyncAction.PartialAdd, ["agent|x"]);
        var outOfRange = await CliRun.RunAsync("offsets", "reset", "agentbus", "agent|x", "--group", "agentbus", "--to", "5", "--endpoint", broker.Endpoint);
        Assert.Equal(ExitCodes.BrokerError, outOfRange.ExitCode);
        Assert.Contains("outside", outOfRange.Error, StringComparison.Ordinal);
    }
}
