using System.Text.Json;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Cli.Tests;

/// <summary>
/// The agentbus command end to end, in-process, against the real broker over gRPC on loopback. Tests share one broker
/// and use agent, session, topic and group names of their own; those that count what the whole broker holds (every
/// live agent, every client, every dead letter of a group) start their own.
/// </summary>
public sealed class CliTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    private readonly BusBroker _shared = shared.Broker;

    /// <summary>An agent that echoes a request's "topic" back, and sets <paramref name="handled"/> for every message.</summary>
    private static Task<Agent> StartWriterAsync(AgentBusClient bus, string agentId, Signal? handled = null) =>
        bus.CreateAgentAsync(agentId, async (ctx, ct) =>
        {
            if (ctx.IsRequest)
            {
                var request = ctx.GetBody<JsonElement>();
                await ctx.ReplyAsync(new { echoed = request.GetProperty("topic").GetString() }, ct);
            }

            handled?.Set();
        });

    [Fact]
    public async Task Agents_lists_a_live_agent_as_a_table_and_as_json()
    {
        // Every live agent of the broker is listed: a broker of its own.
        await using var broker = await BusBroker.StartAsync();
        var bus = await broker.ConnectAsync();
        await StartWriterAsync(bus, "writer");

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
        var broker = _shared;
        await using var bus = await broker.ConnectAsync();
        await using var gateway = await bus.CreateAgentAsync("ls-gateway");
        // Queued for an agent that is not running: a backlog of 2 and no subscriber.
        await gateway.SendToAsync("ls-offline", "first");
        await gateway.SendToAsync("ls-offline", "second");
        await using var online = await bus.CreateAgentAsync("ls-online", (_, _) => ValueTask.CompletedTask);
        string inbox = LiteTopicNames.ForAgent("ls-offline");

        var table = await CliRun.RunAsync("lite", "ls", "--prefix", "agent|", "--endpoint", broker.Endpoint);
        var rows = (await CliRun.RunAsync("lite", "ls", "--prefix", "agent|", "--endpoint", broker.Endpoint, "--json")).Json();
        var subscribed = (await CliRun.RunAsync("lite", "ls", "--subscribed", "--endpoint", broker.Endpoint, "--json")).Json();
        var peek = (await CliRun.RunAsync("lite", "peek", "agentbus", inbox, "--endpoint", broker.Endpoint, "--json")).Json();
        var peekTable = await CliRun.RunAsync("lite", "peek", "agentbus", inbox, "--from", "1", "--count", "5", "--endpoint", broker.Endpoint);
        var show = (await CliRun.RunAsync("lite", "show", "agentbus", LiteTopicNames.ForAgent("ls-online"), "--endpoint", broker.Endpoint, "--json")).Json();

        Assert.Equal(0, table.ExitCode);
        Assert.Contains(inbox, table.Output, StringComparison.Ordinal);
        var offline = rows.EnumerateArray().Single(r => r.GetProperty("name").GetString() == inbox);
        Assert.Equal((2, 2, 0), (offline.GetProperty("backlog").GetInt32(), offline.GetProperty("messages").GetInt32(), offline.GetProperty("subscribers").GetInt32()));
        var live = rows.EnumerateArray().Single(r => r.GetProperty("name").GetString() == LiteTopicNames.ForAgent("ls-online"));
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
        await using var bus = await _shared.ConnectAsync();
        await using var worker = await StartWriterAsync(bus, "sr-writer", handled);
        string endpoint = _shared.Endpoint;

        var sent = await CliRun.RunAsync("send", "sr-writer", """{"topic":"note"}""", "--as", "sr-cli", "--endpoint", endpoint);
        await handled.WaitAsync(what: "the sent message handled");
        var reply = (await CliRun.RunAsync("request", "sr-writer", """{"topic":"lite topics"}""", "--as", "sr-cli", "--endpoint", endpoint, "--timeout", "10")).Json();

        Assert.Equal(0, sent.ExitCode);
        Assert.StartsWith("Sent ", sent.Output, StringComparison.Ordinal);
        Assert.Equal("lite topics", reply.GetProperty("echoed").GetString());
    }

    [Fact]
    public async Task Session_show_prints_the_history_of_a_session()
    {
        await using var bus = await _shared.ConnectAsync();
        await using var user = await bus.CreateAgentAsync("show-user");
        await user.SendToSessionAsync("show-chat", "hello there");
        await user.SendToSessionAsync("show-chat", "and again");

        var history = (await CliRun.RunAsync("session", "show", "show-chat", "--as", "show-cli", "--endpoint", _shared.Endpoint, "--json")).Json();

        var messages = history.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains("hello there", messages[0].GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal("show-user", messages[0].GetProperty("from").GetString());
    }

    [Fact]
    public async Task Session_replay_hands_the_sessions_messages_to_its_owner_again()
    {
        var broker = _shared;
        await using var bus = await broker.ConnectAsync();
        await using var user = await bus.CreateAgentAsync("replay-user");
        await using var owner = await bus.CreateAgentAsync("replay-owner");
        await using var session = await owner.OpenSessionAsync("replay-chat");
        await user.SendToSessionAsync("replay-chat", "first");
        await user.SendToSessionAsync("replay-chat", "second");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = new List<string>();
        await using var messages = session.ReadAllAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        while (read.Count < 2 && await messages.MoveNextAsync())
        {
            read.Add(messages.Current.GetBody<string>());
        }

        var replay = (await CliRun.RunAsync("session", "replay", "replay-chat", "--endpoint", broker.Endpoint, "--json")).Json();
        while (read.Count < 4 && await messages.MoveNextAsync())
        {
            read.Add(messages.Current.GetBody<string>());
        }

        // Where the group was depends on how many acks had landed; where it is does not.
        Assert.InRange(replay.GetProperty("previousOffset").GetInt64(), 0L, 2L);
        Assert.Equal(0L, replay.GetProperty("committedOffset").GetInt64());
        Assert.Equal(["first", "second", "first", "second"], read);
        Assert.Equal(ExitCodes.Usage, (await CliRun.RunAsync("session", "replay", "replay-chat", "--from", "-1", "--endpoint", broker.Endpoint)).ExitCode);
    }

    [Fact]
    public async Task Topics_groups_clients_stats_offsets_and_delete_work_over_the_admin_api()
    {
        // The group's backlog and the broker's clients and stats are the whole broker's: a broker of its own.
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
        var broker = _shared;
        string endpoint = broker.Endpoint;

        var created = (await CliRun.RunAsync("topics", "create", "crud-orders", "--type", "normal", "--queues", "2", "--endpoint", endpoint, "--json")).Json();
        var updated = (await CliRun.RunAsync("topics", "update", "crud-orders", "--queues", "6", "--endpoint", endpoint, "--json")).Json();
        var lite = (await CliRun.RunAsync("topics", "create", "crud-tasks", "--type", "lite", "--ttl", "600", "--endpoint", endpoint, "--json")).Json();
        var again = await CliRun.RunAsync("topics", "create", "crud-orders", "--type", "normal", "--endpoint", endpoint);
        var shrink = await CliRun.RunAsync("topics", "update", "crud-orders", "--queues", "1", "--endpoint", endpoint);
        var untyped = await CliRun.RunAsync("topics", "create", "crud-x", "--endpoint", endpoint);
        var group = (await CliRun.RunAsync("groups", "create", "crud-workers", "--topic", "crud-tasks", "--exclusive", "--max-attempts", "3", "--endpoint", endpoint, "--json")).Json();
        var regroup = (await CliRun.RunAsync("groups", "update", "crud-workers", "--max-attempts", "9", "--endpoint", endpoint, "--json")).Json();
        var dropped = await CliRun.RunAsync("groups", "delete", "crud-workers", "--endpoint", endpoint);
        var deleted = await CliRun.RunAsync("topics", "delete", "crud-orders", "--endpoint", endpoint);
        var missing = await CliRun.RunAsync("topics", "delete", "crud-orders", "--endpoint", endpoint);

        Assert.Equal(("NORMAL", 2), (created.GetProperty("messageType").GetString(), created.GetProperty("queueCount").GetInt32()));
        Assert.Equal(("NORMAL", 6), (updated.GetProperty("messageType").GetString(), updated.GetProperty("queueCount").GetInt32()));
        Assert.Equal(("LITE", 600.0), (lite.GetProperty("messageType").GetString(), lite.GetProperty("liteTopicTtlSeconds").GetDouble()));
        Assert.Equal(ExitCodes.BrokerError, again.ExitCode);
        Assert.Equal(ExitCodes.BrokerError, shrink.ExitCode);
        Assert.Equal(ExitCodes.Usage, untyped.ExitCode);
        Assert.Equal(("crud-tasks", "exclusive", 3), (group.GetProperty("bindTopic").GetString(), group.GetProperty("liteMode").GetString(), group.GetProperty("maxDeliveryAttempts").GetInt32()));
        Assert.Equal(("exclusive", 9), (regroup.GetProperty("liteMode").GetString(), regroup.GetProperty("maxDeliveryAttempts").GetInt32()));
        Assert.Equal((0, 0), (dropped.ExitCode, deleted.ExitCode));
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.False(broker.Test.Engine.Topics.TryGetTopic("crud-orders", out _));
        Assert.False(broker.Test.Engine.Topics.TryGetGroup("crud-workers", out _));
        Assert.True(broker.Test.Engine.Topics.TryGetTopic("crud-tasks", out _));
    }

    [Fact]
    public async Task Dlq_lists_replays_and_purges_a_groups_dead_letters()
    {
        // Every dead letter of the group is listed, replayed and purged: a broker of its own.
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
        var broker = _shared;

        var refused = await CliRun.RunAsync("offsets", "reset", "agentbus", "agent|refusal-x", "--group", "agentbus", "--to", "5", "--endpoint", broker.Endpoint);
        var unknown = await CliRun.RunAsync("lite", "ls", "nothing-here", "--endpoint", broker.Endpoint);

        Assert.Equal(ExitCodes.NotFound, refused.ExitCode);   // the lite topic does not exist
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Contains("nothing-here", unknown.Error, StringComparison.Ordinal);
        broker.Test.Engine.SyncLiteSubscription("refusal-client", "agentbus", "agentbus", LiteSyncAction.PartialAdd, ["agent|refusal-x"]);
        var outOfRange = await CliRun.RunAsync("offsets", "reset", "agentbus", "agent|refusal-x", "--group", "agentbus", "--to", "5", "--endpoint", broker.Endpoint);
        Assert.Equal(ExitCodes.BrokerError, outOfRange.ExitCode);
        Assert.Contains("outside", outOfRange.Error, StringComparison.Ordinal);
        broker.Test.Engine.ClientTerminated("refusal-client");
    }
}
