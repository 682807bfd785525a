using AgentBus.Broker.Errors;
using AgentBus.Broker.Tests.Engine;
using AgentBus.Broker.Topics;
using Microsoft.Extensions.Logging;
using static AgentBus.Broker.Tests.StateFiles.StateFileDamage;

namespace AgentBus.Broker.Tests.StateFiles;

/// <summary>
/// metadata.json after damage: an intact older copy is used (and said so); without one the broker refuses to start
/// with one clear reason naming the file and the way out, and changes nothing.
/// </summary>
public sealed class MetadataFileTests
{
    /// <summary>Topic "agents" (TTL 30 min) saved first, then group g: metadata.json has both, .prev only the topic.</summary>
    private static async Task<EngineHarness> PrepareAsync(bool withGroup = true)
    {
        var h = await EngineHarness.StartAsync(o => o.AutoCreate = false);
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite, LiteTopicTtl: TimeSpan.FromMinutes(30)));
        h.Engine.Topics.CompactMetadata(); // metadata.json with the topic; the shutdown's compaction makes it .prev
        if (withGroup)
        {
            h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents", Fifo: true));
        }

        for (int i = 0; i < 5; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        await h.StopAsync();
        return h;
    }

    private static string MetadataPath(EngineHarness h) => Path.Combine(h.DataDirectory, "metadata.json");

    [Theory]
    [InlineData("flipped byte")]
    [InlineData("truncated")]
    [InlineData("zero-length")]
    [InlineData("missing")]
    public async Task ADamagedNewestCopyFallsBackToThePreviousOneAndSaysWhatIsMissing(string damage)
    {
        await using var h = await PrepareAsync();
        string path = MetadataPath(h);
        Assert.True(Damage(path, damage, flipFromEnd: 40, truncateTo: 60));

        await h.OpenAsync();

        Assert.True(h.Engine.Topics.TryGetTopic("agents", out var topic));
        Assert.Equal(TimeSpan.FromMinutes(30), topic.LiteTopicTtl);
        Assert.False(h.Engine.Topics.TryGetGroup("g", out _)); // created after the previous copy
        var warning = Logged(h, 1105);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(path, warning.Message, StringComparison.Ordinal);
        Assert.Contains("metadata.json.prev written at", warning.Message, StringComparison.Ordinal);
        Assert.Contains("definitions created or changed after that time are missing", warning.Message, StringComparison.Ordinal);
        if (damage != "missing")
        {
            Assert.True(File.Exists(path + ".damaged")); // kept for inspection
        }

        // The messages are all still there for the re-created group.
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents"));
        Assert.Equal(Range(0, 5), await DrainAsync(h, "c1"));
    }

    [Theory]
    [InlineData("flipped byte")]
    [InlineData("truncated")]
    [InlineData("zero-length")]
    public async Task WithoutAnIntactCopyTheBrokerRefusesToStartWithOneClearReason(string damage)
    {
        await using var h = await PrepareAsync(withGroup: false);
        string path = MetadataPath(h);
        File.Delete(path + ".prev");
        Assert.True(Damage(path, damage, flipFromEnd: 10, truncateTo: (int)new FileInfo(path).Length / 2));

        byte[] before = File.ReadAllBytes(path);

        var refused = await Assert.ThrowsAsync<BrokerException>(h.OpenAsync);

        Assert.Equal(BrokerErrorCode.Unavailable, refused.Code);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("Restore metadata.json from a backup", refused.Message, StringComparison.Ordinal);
        var critical = Logged(h, 1107);
        Assert.Equal(LogLevel.Critical, critical.Level);
        Assert.Equal(refused.Message, critical.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task ATornTempFileFromACrashMidWriteIsIgnored()
    {
        await using var h = await PrepareAsync();
        File.WriteAllText(MetadataPath(h) + ".tmp", "{\"topics\":[");

        await h.OpenAsync();

        Assert.True(h.Engine.Topics.TryGetGroup("g", out var group));
        Assert.True(group.Fifo);
        NothingAtOrAbove(h, LogLevel.Warning);
    }

    [Fact]
    public async Task APlainJsonFileFromTheFormatWithoutHeaderIsReadOnceAndRewritten()
    {
        await using var h = await PrepareAsync();
        File.WriteAllText(MetadataPath(h), """
            {"topics":[{"name":"agents","messageType":"Lite","queueCount":1,"liteTopicTtl":"00:45:00"}],"groups":[]}
            """);

        await h.OpenAsync();

        Assert.True(h.Engine.Topics.TryGetTopic("agents", out var topic));
        Assert.Equal(TimeSpan.FromMinutes(45), topic.LiteTopicTtl);
        Assert.Equal(LogLevel.Information, Logged(h, 1104).Level);
        Assert.Equal("ABSF"u8.ToArray(), File.ReadAllBytes(MetadataPath(h))[..4]);
    }
}
