using System.Collections.Concurrent;
using System.Globalization;
using AgentBus.Client.Consuming;
using AgentBus.Client.Messages;
using AgentBus.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Interop.Tests;

/// <summary>
/// The AgentBus .NET client and the official Node.js client on the same lite topics: what one produces, the other
/// consumes, with ids, lite topic, tag, keys, properties, body and per-lite-topic order intact.
/// </summary>
public sealed class CrossClientTests(ITestOutputHelper output) : InteropTest(output)
{
    private const int Count = 5;
    private const string Parent = "interop-cross";

    [Fact]
    public async Task OurProducerToTheOfficialLitePushConsumer()
    {
        const string scenario = "cross-dotnet-to-node";
        string runId = Guid.NewGuid().ToString("N")[..8];
        using var workspace = new ScenarioWorkspace();
        await using var broker = await InteropBroker.StartAsync(ScenarioResources.For(scenario));
        var provider = broker.Provider;
        var sent = new Dictionary<string, (string LiteTopic, int Seq)>();
        await using (var producer = await provider.NewProducerBuilder().SetTopics(Parent).BuildAsync())
        {
            for (int seq = 0; seq < Count; seq++)
            {
                foreach (string lite in LiteTopics(runId))
                {
                    var receipt = await producer.SendAsync(provider.NewMessageBuilder().SetTopic(Parent).SetLiteTopic(lite).SetTag("from-dotnet")
                        .SetKeys($"key-{seq}").AddProperty("interop-run", runId).AddProperty("interop-seq", Text(seq)).SetBody($"{lite}:{seq}").Build());
                    sent[receipt.MessageId] = (lite, seq);
                }
            }
        }

        var result = await NodeScenario.RunAsync(scenario, broker.Endpoint, workspace, runId, Text(Count));
        Verify(result, broker);

        var received = result["received"].EnumerateArray()
            .Select(m => (Id: m.GetProperty("messageId").GetString()!, Lite: m.GetProperty("liteTopic").GetString()!, Seq: m.GetProperty("seq").GetInt32()))
            .ToList();
        Assert.Equal(sent.Count, received.Count);
        Assert.All(received, m => Assert.Equal(sent[m.Id], (m.Lite, m.Seq)));
    }

    [Fact]
    public async Task TheOfficialProducerToOurLitePushConsumer()
    {
        const string scenario = "cross-node-to-dotnet";
        string runId = Guid.NewGuid().ToString("N")[..8];
        using var workspace = new ScenarioWorkspace();
        await using var broker = await InteropBroker.StartAsync(ScenarioResources.For(scenario));
        var consumed = new ConcurrentQueue<MessageView>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consumer = await broker.Provider.NewLitePushConsumerBuilder().BindTopic(Parent).SetConsumerGroup("interop-cross-dotnet")
            .SetMessageListener(message =>
            {
                consumed.Enqueue(message);
                if (consumed.Count >= 2 * Count)
                {
                    all.TrySetResult();
                }

                return ConsumeResult.Success;
            }).BuildAsync();
        foreach (string lite in LiteTopics(runId))
        {
            await consumer.SubscribeLiteAsync(lite);
        }

        var result = await NodeScenario.RunAsync(scenario, broker.Endpoint, workspace, runId, Text(Count));
        Verify(result, broker);
        var receipts = result["receipts"].EnumerateArray().ToDictionary(
            r => r.GetProperty("messageId").GetString()!, r => (LiteTopic: r.GetProperty("liteTopic").GetString()!, Seq: r.GetProperty("seq").GetInt32()));

        await all.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(receipts.Count, consumed.Count);
        foreach (var message in consumed)
        {
            var (lite, seq) = receipts[message.MessageId];
            Assert.Equal(Parent, message.Topic);
            Assert.Equal(lite, message.LiteTopic);
            Assert.Equal("from-node", message.Tag);
            Assert.Equal([$"key-{seq}"], message.Keys);
            Assert.Equal(runId, message.Properties["interop-run"]);
            Assert.Equal(Text(seq), message.Properties["interop-seq"]);
            Assert.Equal($"{lite}:{seq}", System.Text.Encoding.UTF8.GetString(message.Body.Span));
            Assert.Equal(1, message.DeliveryAttempt);
            Assert.False(message.Corrupted);
        }

        foreach (string lite in LiteTopics(runId))
        {
            Assert.Equal(Enumerable.Range(0, Count), consumed.Where(m => m.LiteTopic == lite).Select(m => receipts[m.MessageId].Seq));
        }
    }

    private static string[] LiteTopics(string runId) => [$"cross-a-{runId}", $"cross-b-{runId}"];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
