using System.Text;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Cli.Tests;

/// <summary>
/// message (lookup by id or key), queue peek and dlq peek, end to end against the real broker over gRPC on loopback:
/// on one broker with topics and keys of each test's own, but for the dead letters, which are the whole group's.
/// </summary>
public sealed class MessageCliTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    private readonly BusBroker _shared = shared.Broker;

    private static MessageRecord Record(string topic, string body, string? liteTopic = null, params string[] keys) => new()
    {
        Topic = topic,
        LiteTopic = liteTopic,
        MessageId = Guid.NewGuid().ToString("N").ToUpperInvariant(),
        Keys = keys,
        Tag = "billing",
        BornTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Body = Encoding.UTF8.GetBytes(body),
    };

    [Fact]
    public async Task Message_finds_one_by_id_and_several_by_key_as_a_table_and_as_json()
    {
        var broker = _shared;
        var engine = broker.Test.Engine;
        engine.Topics.CreateTopic(new TopicDefinition("find-orders", TopicMessageType.Normal, QueueCount: 2));
        var first = Record("find-orders", "{\"order\":1}", keys: "find-order-1");
        await engine.SendAsync(first);
        await engine.SendAsync(Record("agentbus", "for the agent", "agent|find-billing", "find-order-1"));
        await engine.SendAsync(Record("find-orders", "{\"order\":2}", keys: "find-order-2"));
        string endpoint = broker.Endpoint;

        var byId = (await CliRun.RunAsync("message", first.MessageId, "--endpoint", endpoint, "--json")).Json();
        var byIdTable = await CliRun.RunAsync("message", first.MessageId, "--endpoint", endpoint);
        var byKey = (await CliRun.RunAsync("message", "--key", "find-order-1", "--endpoint", endpoint, "--json")).Json();
        var inTopic = (await CliRun.RunAsync("message", "--key", "find-order-1", "--topic", "find-orders", "--endpoint", endpoint, "--json")).Json();
        var newest = (await CliRun.RunAsync("message", "--key", "find-order-1", "--count", "1", "--endpoint", endpoint, "--json")).Json();
        var unknown = await CliRun.RunAsync("message", "NO-SUCH-ID", "--endpoint", endpoint);
        var tooLate = await CliRun.RunAsync("message", "--key", "find-order-1", "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O"), "--endpoint", endpoint);

        var found = Assert.Single(byId.GetProperty("messages").EnumerateArray());
        Assert.Equal(("find-orders", "{\"order\":1}", "billing"), (found.GetProperty("topic").GetString(), found.GetProperty("body").GetString(), found.GetProperty("tag").GetString()));
        Assert.Equal(["find-order-1"], found.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(0, found.GetProperty("offset").GetInt64());
        Assert.False(byId.GetProperty("truncated").GetBoolean());
        Assert.Contains(first.MessageId, byIdTable.Output, StringComparison.Ordinal);
        Assert.Contains("1 found.", byIdTable.Output, StringComparison.Ordinal);
        Assert.Equal(["{\"order\":1}", "for the agent"], byKey.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        Assert.Equal("agent|find-billing", byKey.GetProperty("messages")[1].GetProperty("liteTopic").GetString());
        Assert.Single(inTopic.GetProperty("messages").EnumerateArray());
        Assert.Equal("for the agent", Assert.Single(newest.GetProperty("messages").EnumerateArray()).GetProperty("body").GetString());
        Assert.True(newest.GetProperty("truncated").GetBoolean());
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Contains("NO-SUCH-ID", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, tooLate.ExitCode);
    }

    [Fact]
    public async Task Queue_peek_reads_a_queue_page_by_page()
    {
        var broker = _shared;
        var engine = broker.Test.Engine;
        engine.Topics.CreateTopic(new TopicDefinition("peek-orders", TopicMessageType.Normal, QueueCount: 1));
        for (int i = 0; i < 5; i++)
        {
            await engine.SendAsync(Record("peek-orders", $"o{i}"));
        }

        string endpoint = broker.Endpoint;
        var page = (await CliRun.RunAsync("queue", "peek", "peek-orders", "--from", "1", "--count", "2", "--endpoint", endpoint, "--json")).Json();
        var table = await CliRun.RunAsync("queue", "peek", "peek-orders", "--queue", "0", "--from", "3", "--endpoint", endpoint);
        var lite = await CliRun.RunAsync("queue", "peek", "agentbus", "--endpoint", endpoint);
        var unknown = await CliRun.RunAsync("queue", "peek", "peek-nothing", "--endpoint", endpoint);

        Assert.Equal(["o1", "o2"], page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        Assert.Equal((0L, 5L, 3L), (page.GetProperty("minOffset").GetInt64(), page.GetProperty("maxOffset").GetInt64(), page.GetProperty("nextOffset").GetInt64()));
        Assert.Equal(0, page.GetProperty("messages")[0].GetProperty("queueId").GetInt32());
        Assert.Contains("o3", table.Output, StringComparison.Ordinal);
        Assert.Contains("o4", table.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("o2", table.Output, StringComparison.Ordinal);
        Assert.Contains("read to the end", table.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BrokerError, lite.ExitCode);   // a lite parent: FAILED_PRECONDITION, peek its lite topics
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
    }

    [Fact]
    public async Task Dlq_peek_pages_through_dead_letters_with_their_whole_bodies()
    {
        // Every dead letter of the group is paged through: a broker of its own.
        await using var broker = await BusBroker.StartAsync();
        var engine = broker.Test.Engine;
        string longBody = "start " + new string('x', 300) + " end";
        await engine.SendAsync(Record("agentbus", longBody, "agent|broken"));
        await engine.SendAsync(Record("agentbus", "second", "agent|broken"));
        await engine.SendAsync(Record("agentbus", "third", "agent|broken"));
        engine.SyncLiteSubscription("operator", "agentbus", "agentbus", LiteSyncAction.PartialAdd, ["agent|broken"]);
        foreach (var delivery in await engine.ReceiveLiteAsync("operator", "agentbus", "agentbus", 32, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)))
        {
            engine.ForwardToDeadLetter("agentbus", delivery.ReceiptHandle);
        }

        engine.ClientTerminated("operator");
        string endpoint = broker.Endpoint;

        var first = (await CliRun.RunAsync("dlq", "peek", "agentbus", "--count", "2", "--endpoint", endpoint, "--json")).Json();
        var rest = (await CliRun.RunAsync("dlq", "peek", "--from", first.GetProperty("nextOffset").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--endpoint", endpoint, "--json")).Json();
        var table = await CliRun.RunAsync("dlq", "peek", "--count", "2", "--endpoint", endpoint);
        var listed = await CliRun.RunAsync("dlq", "ls", "--endpoint", endpoint);
        var unknown = await CliRun.RunAsync("dlq", "peek", "nobody", "--endpoint", endpoint);

        Assert.Equal([longBody, "second"], first.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        Assert.Equal("agent|broken", first.GetProperty("messages")[0].GetProperty("originLiteTopic").GetString());
        Assert.Equal(["third"], rest.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        Assert.Contains(longBody, table.Output, StringComparison.Ordinal);           // whole, where ls cuts it
        Assert.DoesNotContain(longBody, listed.Output, StringComparison.Ordinal);
        Assert.Contains("3 pending; more from --from 2", table.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
    }

    [Theory]
    [InlineData("message")]
    [InlineData("message", "ID", "--key", "k")]
    [InlineData("message", "--key", "k", "--count", "0")]
    [InlineData("message", "--key", "k", "--since", "yesterday")]
    [InlineData("queue", "peek")]
    [InlineData("queue", "peek", "orders", "--queue", "-1")]
    [InlineData("queue", "peek", "orders", "--count", "1001")]
    [InlineData("dlq", "peek", "agentbus", "--from", "-1")]
    public async Task Usage_errors_exit_2_without_touching_a_broker(params string[] args)
    {
        var run = await CliRun.RunAsync([.. args, "--endpoint", "127.0.0.1:1", "--timeout", "30"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.NotEmpty(run.Error);
        Assert.Equal("", run.Output);
    }
}
