using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Tests.Engine;

public sealed class RestartTests
{
    [Fact]
    public async Task MessagesOffsetsAndDefinitionsSurviveARestart()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite, LiteTopicTtl: TimeSpan.FromMinutes(30)));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents", Fifo: true, MaxDeliveryAttempts: 5));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < 4; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        var batch = await h.ReceiveAsync("c1", "g", max: 2);
        foreach (var d in batch)
        {
            h.Engine.Ack("g", d.ReceiptHandle);
        }

        await h.RestartAsync();

        Assert.True(h.Engine.Topics.TryGetTopic("agents", out var topic));
        Assert.Equal(TimeSpan.FromMinutes(30), topic.LiteTopicTtl);
        Assert.True(h.Engine.Topics.TryGetGroup("g", out var group));
        Assert.True(group.Fifo);
        Assert.Equal((0L, 4L, (long?)2), h.Engine.LiteOffsets("agents", "t", "g"));

        // The gateway comes back under a new client id and resumes from the committed offset.
        h.Engine.SyncLiteSubscription("c1-restarted", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        var rest = await h.ReceiveAsync("c1-restarted", "g");
        Assert.Equal(["2", "3"], rest.Select(d => d.BodyText()));
    }

    [Fact]
    public async Task UnackedMessagesAreRedeliveredAfterARestart()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        await h.SendLiteAsync("agents", "t", "in-flight");
        Assert.Single(await h.ReceiveAsync("c1", "g"));

        await h.RestartAsync();

        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        Assert.Equal("in-flight", Assert.Single(await h.ReceiveAsync("c1", "g")).BodyText());
    }

    [Fact]
    public async Task NormalTopicMessagesStayInTheQueueTheBrokerPickedAcrossARestart()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 4));
        var sent = new List<Messages.SendResult>();
        for (int i = 0; i < 8; i++)
        {
            // The producer names queue 0; the broker spreads messages over the topic's queues.
            sent.Add(await h.Engine.SendAsync(new Messages.MessageRecord { Topic = "orders", QueueId = 0, MessageId = $"o{i}", Body = new byte[] { (byte)i } }));
        }

        Assert.True(sent.Select(r => r.QueueId).Distinct().Count() > 1);
        var first = await h.Engine.ReceiveAsync("billing", "orders", null, 3, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        Assert.All(first, d => Assert.Equal(sent.Single(r => r.MessageId == d.Message.MessageId).QueueId, d.Message.QueueId));
        foreach (var delivery in first)
        {
            h.Engine.Ack("billing", delivery.ReceiptHandle);
        }

        await h.RestartAsync();

        var rest = await h.Engine.ReceiveAsync("billing", "orders", null, 32, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        Assert.Equal(sent.Select(r => r.MessageId).Except(first.Select(d => d.Message.MessageId)).Order(), rest.Select(d => d.Message.MessageId).Order());
    }

    [Fact]
    public async Task NewMessagesAfterRestartContinueTheQueueOffsets()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.SendLiteAsync("agents", "t");
        await h.SendLiteAsync("agents", "t");

        await h.RestartAsync();
        var sent = await h.SendLiteAsync("agents", "t");

        Assert.Equal(2, sent.QueueOffset);
    }
}

public sealed class CrashTests
{
    [Fact]
    public async Task CrashRedeliversWhatWasAckedAfterTheLastOffsetCheckpoint()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < 4; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        var batch = await h.ReceiveAsync("c1", "g");
        h.Engine.Ack("g", batch[0].ReceiptHandle);
        h.Engine.Ack("g", batch[1].ReceiptHandle);
        h.Engine.CheckpointOffsets();
        h.Engine.Ack("g", batch[2].ReceiptHandle);

        // A crash: the files as they are now, without the shutdown's flush and checkpoint.
        using var copy = new TempDirectory();
        CopyDirectory(h.DataDirectory, copy.Path);
        await using var recovered = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = copy.Path, SegmentSize = 1 << 20 }, h.Time);

        Assert.Equal((0L, 4L, (long?)2), recovered.LiteOffsets("agents", "t", "g"));
        recovered.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        var again = await recovered.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        Assert.Equal(["2", "3"], again.Select(d => d.BodyText()));
    }

    private static void CopyDirectory(string from, string to)
    {
        // cp, not File.Copy: the running log holds .NET's advisory lock on its files, which File.Copy honours.
        using var copy = System.Diagnostics.Process.Start("cp", ["-a", from + "/.", to])!;
        copy.WaitForExit(30_000);
        Assert.Equal(0, copy.ExitCode);
    }
}
