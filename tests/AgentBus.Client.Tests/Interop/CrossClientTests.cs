using System.Globalization;
using System.Text.Json;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests.Interop;

/// <summary>The AgentBus .NET client and the official RocketMQ Node.js client (1.0.8) on the same lite topics.</summary>
public sealed class CrossClientTests
{
    private static readonly string[] LiteTopics = ["interop-a", "interop-b"];
    private const int PerTopic = 5;

    [Fact]
    public async Task Our_producer_to_the_official_lite_push_consumer()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.CreateLiteParent();
        await using var node = await NodeClient.StartAsync("node-lite-consumer.js", new Dictionary<string, string>
        {
            ["AGENTBUS_ENDPOINT"] = $"127.0.0.1:{broker.Port}",
            ["PARENT"] = Scenario.Parent,
            ["GROUP"] = "node-consumers",
            ["LITE_TOPICS"] = string.Join(',', LiteTopics),
            ["EXPECT"] = (LiteTopics.Length * PerTopic).ToString(CultureInfo.InvariantCulture),
        });
        var ready = await node.NextEventAsync("ready");
        string nodeClientId = ready.GetProperty("clientId").GetString()!;
        await Eventually.TrueAsync(() => LiteTopics.All(broker.Engine.LiteSubscriptionsOf(nodeClientId).Contains), what: "node's subscriptions on the broker");

        await using var producer = await broker.ProducerAsync();
        var sent = new Dictionary<string, (string Topic, int Seq)>();
        for (int seq = 0; seq < PerTopic; seq++)
        {
            foreach (string lite in LiteTopics)
            {
                var receipt = await producer.SendAsync(broker.Provider.NewMessageBuilder().SetTopic(Scenario.Parent).SetLiteTopic(lite)
                    .SetTag("from-dotnet").SetKeys($"key-{seq}").AddProperty("seq", seq.ToString(CultureInfo.InvariantCulture))
                    .SetBody($"{lite}:{seq}").Build());
                sent[receipt.MessageId] = (lite, seq);
            }
        }

        var done = await node.NextEventAsync("done");
        var received = done.GetProperty("received").EnumerateArray().ToList();
        Assert.Equal(sent.Count, received.Count);
        foreach (var message in received)
        {
            var (lite, seq) = sent[message.GetProperty("messageId").GetString()!];
            Assert.Equal(Scenario.Parent, message.GetProperty("topic").GetString());
            Assert.Equal(lite, message.GetProperty("liteTopic").GetString());
            Assert.Equal("from-dotnet", message.GetProperty("tag").GetString());
            Assert.Equal([$"key-{seq}"], message.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
            Assert.Equal(seq.ToString(CultureInfo.InvariantCulture), message.GetProperty("properties").GetProperty("seq").GetString());
            Assert.Equal($"{lite}:{seq}", message.GetProperty("body").GetString());
            Assert.Equal(1, message.GetProperty("deliveryAttempt").GetInt32());
        }

        foreach (string lite in LiteTopics)
        {
            Assert.Equal(Enumerable.Range(0, PerTopic), received.Where(m => m.GetProperty("liteTopic").GetString() == lite)
                .Select(m => sent[m.GetProperty("messageId").GetString()!].Seq));
            await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, lite, "node-consumers")?.Committed == PerTopic,
                what: $"node acked {lite}");
        }
    }

    [Fact]
    public async Task The_official_producer_to_our_lite_push_consumer()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.CreateLiteParent();
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("dotnet-consumers", collector.Listener);
        foreach (string lite in LiteTopics)
        {
            await consumer.SubscribeLiteAsync(lite);
        }

        await using var node = await NodeClient.StartAsync("node-producer.js", new Dictionary<string, string>
        {
            ["AGENTBUS_ENDPOINT"] = $"127.0.0.1:{broker.Port}",
            ["PARENT"] = Scenario.Parent,
            ["LITE_TOPICS"] = string.Join(',', LiteTopics),
            ["COUNT"] = PerTopic.ToString(CultureInfo.InvariantCulture),
        });
        var done = await node.NextEventAsync("done");
        var receipts = done.GetProperty("receipts").EnumerateArray()
            .ToDictionary(r => r.GetProperty("messageId").GetString()!, r => (Lite: r.GetProperty("liteTopic").GetString()!, Seq: r.GetProperty("seq").GetInt32()));

        await collector.WaitForCountAsync(receipts.Count);
        Assert.Equal(receipts.Count, collector.Messages.Count);
        foreach (var message in collector.Messages)
        {
            var (lite, seq) = receipts[message.MessageId];
            Assert.Matches("^01[0-9A-F]{32}$", message.MessageId); // the Node client's id layout, as ours
            Assert.Equal(lite, message.LiteTopic);
            Assert.Equal("from-node", message.Tag);
            Assert.Equal([$"key-{seq}"], message.Keys);
            Assert.Equal(seq.ToString(CultureInfo.InvariantCulture), message.Properties["seq"]);
            Assert.Equal($"{lite}:{seq}", message.Text());
            Assert.False(message.Corrupted);
        }

        foreach (string lite in LiteTopics)
        {
            Assert.Equal(Enumerable.Range(0, PerTopic), collector.Messages.Where(m => m.LiteTopic == lite).Select(m => receipts[m.MessageId].Seq));
            await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, lite, "dotnet-consumers")?.Committed == PerTopic,
                what: $"we acked {lite}");
        }
    }
}
