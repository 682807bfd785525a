using AgentBus.Broker.Tests.Engine;
using AgentBus.Broker.Tests.Storage;
using AgentBus.Broker.Topics;
using Microsoft.Extensions.Logging;
using static AgentBus.Broker.Tests.StateFiles.StateFileDamage;

namespace AgentBus.Broker.Tests.StateFiles;

/// <summary>
/// metadata.journal: every definition change is one fsynced append, so it survives a crash without a rewrite of
/// metadata.json; recovery replays the journal on the full file, drops a torn or damaged tail with a warning and
/// appends after the intact part; the journal is folded into the full file past its bound and at clean shutdown.
/// A crash is a copy of the data directory as it is, without the shutdown's compaction.
/// </summary>
public sealed class MetadataJournalTests
{
    private static string JournalPath(string directory) => Path.Combine(directory, MetadataJournal.FileName);

    private static string FullPath(string directory) => Path.Combine(directory, MetadataStore.FileName);

    private static Task<EngineHarness> StartAsync(Action<BrokerOptions>? configure = null) => EngineHarness.StartAsync(o =>
    {
        o.AutoCreate = false;
        configure?.Invoke(o);
    });

    /// <summary>Opens a copy of <paramref name="h"/>'s data directory as it is now: what a restart after a crash sees.</summary>
    private static async Task<(BrokerEngine Engine, ListLoggerFactory Logs)> OpenCrashCopyAsync(EngineHarness h, TempDirectory copy, Action<string>? damage = null)
    {
        CopyDirectory(h.DataDirectory, copy.Path);
        damage?.Invoke(copy.Path);
        var logs = new ListLoggerFactory();
        var options = h.NewOptions();
        options.DataDirectory = copy.Path;
        return (await BrokerEngine.OpenAsync(options, h.Time, logs), logs);
    }

    private static void CopyDirectory(string from, string to)
    {
        // cp, not File.Copy: the running log holds .NET's advisory lock on its files, which File.Copy honours.
        using var process = System.Diagnostics.Process.Start("cp", ["-a", from + "/.", to])!;
        Assert.True(process.WaitForExit(30_000));
        Assert.Equal(0, process.ExitCode);
    }

    private static string[] TopicNames(BrokerEngine engine) => [.. engine.Topics.Topics.Select(t => t.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task EveryKindOfChangeSurvivesACrashWithoutAFullRewrite()
    {
        await using var h = await StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite, LiteTopicTtl: TimeSpan.FromMinutes(30)));
        h.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 2));
        h.Engine.Topics.CreateTopic(new TopicDefinition("gone", TopicMessageType.Normal));
        Assert.True(h.Engine.Topics.TryUpdateTopic(new TopicDefinition("orders", TopicMessageType.Normal, QueueCount: 8)));
        Assert.True(h.Engine.Topics.DeleteTopic("gone"));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents", Fifo: true, LiteMode: LiteSharingMode.Exclusive));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("old"));
        Assert.True(h.Engine.Topics.DeleteGroup("old"));

        Assert.False(File.Exists(FullPath(h.DataDirectory))); // nothing rewrote the full file
        using var copy = new TempDirectory();
        var (engine, logs) = await OpenCrashCopyAsync(h, copy);
        await using var running = engine;

        Assert.Equal(["agents", "orders"], TopicNames(engine));
        Assert.True(engine.Topics.TryGetTopic("agents", out var agents));
        Assert.Equal(TimeSpan.FromMinutes(30), agents.LiteTopicTtl);
        Assert.True(engine.Topics.TryGetTopic("orders", out var orders));
        Assert.Equal(8, orders.QueueCount);
        Assert.Equal(new ConsumerGroupDefinition("g", "agents", Fifo: true, LiteMode: LiteSharingMode.Exclusive), Assert.Single(engine.Topics.Groups));
        Assert.DoesNotContain(logs.Logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task AutoCreatedTopicsAndGroupsAreJournaledToo()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.SendLiteAsync("agents", "t", "0"); // creates the lite parent
        h.Engine.SyncLiteSubscription("c1", "g", "agents", Subscriptions.LiteSyncAction.PartialAdd, ["t"]); // creates the group

        using var copy = new TempDirectory();
        var (engine, logs) = await OpenCrashCopyAsync(h, copy);
        await using var running = engine;

        // The log holds a message and metadata.json was never written: the journal alone is no missing file.
        Assert.False(File.Exists(FullPath(copy.Path)));
        Assert.DoesNotContain(logs.Logger.Entries, e => e.Level >= LogLevel.Warning);
        Assert.True(engine.Topics.TryGetTopic("agents", out var topic));
        Assert.Equal(TopicMessageType.Lite, topic.MessageType);
        Assert.True(engine.Topics.TryGetGroup("g", out var group));
        Assert.Equal("agents", group.BindTopic);
    }

    [Theory]
    [InlineData(3)]  // inside the last record's 8-byte header
    [InlineData(20)] // inside its payload
    public async Task ATornTailIsDroppedWithAWarningAndTheNextAppendFollowsTheIntactPart(int keptOfLastRecord)
    {
        await using var h = await StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("first", TopicMessageType.Normal));
        long beforeLast = new FileInfo(JournalPath(h.DataDirectory)).Length;
        h.Engine.Topics.CreateTopic(new TopicDefinition("torn", TopicMessageType.Normal));

        using var copy = new TempDirectory();
        var (engine, logs) = await OpenCrashCopyAsync(h, copy, directory => Truncate(JournalPath(directory), (int)beforeLast + keptOfLastRecord));
        await using var running = engine;

        Assert.Equal(["first"], TopicNames(engine));
        var warning = Assert.Single(logs.Logger.Entries, e => e.Event.Id == 1114);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(JournalPath(copy.Path), warning.Message, StringComparison.Ordinal);
        Assert.Contains($"a torn record at byte {beforeLast}", warning.Message, StringComparison.Ordinal);
        Assert.Contains("replayed the 1 intact changes", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"dropped the {keptOfLastRecord} bytes", warning.Message, StringComparison.Ordinal);
        Assert.Equal(beforeLast + keptOfLastRecord, new FileInfo(JournalPath(copy.Path)).Length); // reading changed nothing

        // The next change cuts the torn bytes off before it is appended, so a second crash reads it back.
        engine.Topics.CreateTopic(new TopicDefinition("after", TopicMessageType.Normal));
        using var second = new TempDirectory();
        CopyDirectory(copy.Path, second.Path);
        var secondLogs = new ListLoggerFactory();
        await using var again = await BrokerEngine.OpenAsync(
            new BrokerOptions { DataDirectory = second.Path, SegmentSize = 1 << 20, AutoCreate = false }, h.Time, secondLogs);
        Assert.Equal(["after", "first"], TopicNames(again));
        Assert.DoesNotContain(secondLogs.Logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task ADamagedRecordStopsTheReplayThereAndSaysSo()
    {
        await using var h = await StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("first", TopicMessageType.Normal));
        long secondStart = new FileInfo(JournalPath(h.DataDirectory)).Length;
        h.Engine.Topics.CreateTopic(new TopicDefinition("second", TopicMessageType.Normal));
        h.Engine.Topics.CreateTopic(new TopicDefinition("third", TopicMessageType.Normal));

        using var copy = new TempDirectory();
        var (engine, logs) = await OpenCrashCopyAsync(h, copy, directory =>
        {
            string path = JournalPath(directory);
            byte[] bytes = File.ReadAllBytes(path);
            bytes[secondStart + MetadataJournal.RecordHeaderSize + 5] ^= 0x5A; // inside the second record's payload
            File.WriteAllBytes(path, bytes);
        });
        await using var running = engine;

        Assert.Equal(["first"], TopicNames(engine));
        var warning = Assert.Single(logs.Logger.Entries, e => e.Event.Id == 1114);
        Assert.Contains($"a damaged record at byte {secondStart}: CRC mismatch", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zero-length")]
    [InlineData("flipped byte")]
    public async Task AJournalWithADamagedHeaderIsIgnoredWithAWarningAndTheFullFileStillServes(string damage)
    {
        await using var h = await StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("kept", TopicMessageType.Normal));
        h.Engine.Topics.CompactMetadata();
        h.Engine.Topics.CreateTopic(new TopicDefinition("journaled", TopicMessageType.Normal));

        using var copy = new TempDirectory();
        var (engine, logs) = await OpenCrashCopyAsync(h, copy, directory =>
        {
            string path = JournalPath(directory);
            if (damage == "flipped byte")
            {
                byte[] bytes = File.ReadAllBytes(path);
                bytes[2] ^= 0x5A; // the magic
                File.WriteAllBytes(path, bytes);
            }
            else
            {
                Truncate(path, 0);
            }
        });
        await using (engine)
        {
            Assert.Equal(["kept"], TopicNames(engine));
            Assert.Contains(logs.Logger.Entries, e => e.Event.Id == 1114 && e.Level == LogLevel.Warning);

            // The next change rewrites the header, and is read back.
            engine.Topics.CreateTopic(new TopicDefinition("new", TopicMessageType.Normal));
            using var second = new TempDirectory();
            CopyDirectory(copy.Path, second.Path);
            await using var again = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = second.Path, SegmentSize = 1 << 20, AutoCreate = false }, h.Time);
            Assert.Equal(["kept", "new"], TopicNames(again));
        }
    }

    [Fact]
    public async Task ACleanShutdownFoldsTheJournalIntoTheFullFile()
    {
        await using var h = await StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents"));
        Assert.True(new FileInfo(JournalPath(h.DataDirectory)).Length > MetadataJournal.HeaderSize);

        await h.StopAsync();

        Assert.Equal(MetadataJournal.HeaderSize, new FileInfo(JournalPath(h.DataDirectory)).Length);
        File.Delete(JournalPath(h.DataDirectory)); // the full file alone holds everything
        await h.OpenAsync();
        Assert.Equal(["agents"], TopicNames(h.Engine));
        Assert.True(h.Engine.Topics.TryGetGroup("g", out _));
        NothingAtOrAbove(h, LogLevel.Warning);
    }

    [Fact]
    public async Task AJournalPastItsBoundIsCompactedWhileRunning()
    {
        await using var h = await StartAsync(o => o.MetadataJournalLimit = 2048);
        for (int i = 0; i < 40; i++)
        {
            h.Engine.Topics.CreateTopic(new TopicDefinition($"topic-{i:D2}", TopicMessageType.Normal));
            Assert.True(new FileInfo(JournalPath(h.DataDirectory)).Length <= 2048, $"journal past its bound after {i + 1} creates");
        }

        Assert.True(File.Exists(FullPath(h.DataDirectory)));
        Assert.True(File.Exists(FullPath(h.DataDirectory) + ".prev")); // compacted more than once

        using var copy = new TempDirectory();
        var (engine, logs) = await OpenCrashCopyAsync(h, copy);
        await using var running = engine;
        Assert.Equal(40, engine.Topics.Topics.Count);
        Assert.DoesNotContain(logs.Logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task AFailedCompactionLeavesTheChangesInTheJournalAndIsTriedAgainAtTheNextChange()
    {
        await using var h = await StartAsync(o => o.MetadataJournalLimit = 1024);
        // A directory where the full file's temp copy goes: writing metadata.json fails, appending to the journal does not.
        string blocker = FullPath(h.DataDirectory) + ".tmp";
        Directory.CreateDirectory(blocker);
        for (int i = 0; i < 20; i++)
        {
            h.Engine.Topics.CreateTopic(new TopicDefinition($"topic-{i:D2}", TopicMessageType.Normal));
        }

        Assert.False(File.Exists(FullPath(h.DataDirectory)));
        Assert.True(new FileInfo(JournalPath(h.DataDirectory)).Length > 1024);
        Assert.Contains(h.Logs.Logger.Entries, e => e.Event.Id == 1217 && e.Level == LogLevel.Error);

        Directory.Delete(blocker);
        h.Engine.Topics.CreateTopic(new TopicDefinition("topic-20", TopicMessageType.Normal));
        Assert.True(File.Exists(FullPath(h.DataDirectory)));
        Assert.Equal(MetadataJournal.HeaderSize, new FileInfo(JournalPath(h.DataDirectory)).Length);

        using var copy = new TempDirectory();
        var (engine, _) = await OpenCrashCopyAsync(h, copy);
        await using var running = engine;
        Assert.Equal(21, engine.Topics.Topics.Count);
    }

    [Fact]
    public async Task ACrashBetweenTheFullWriteAndTheJournalResetReplaysChangesTheFileHoldsWithoutHarm()
    {
        await using var h = await StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("x", TopicMessageType.Normal));
        Assert.True(h.Engine.Topics.DeleteTopic("x"));
        h.Engine.Topics.CreateTopic(new TopicDefinition("y", TopicMessageType.Normal, QueueCount: 2));
        h.Engine.Topics.CreateTopic(new TopicDefinition("z", TopicMessageType.Normal));
        Assert.True(h.Engine.Topics.TryUpdateTopic(new TopicDefinition("y", TopicMessageType.Normal, QueueCount: 6)));
        Assert.True(h.Engine.Topics.DeleteTopic("z"));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g"));
        byte[] journal = File.ReadAllBytes(JournalPath(h.DataDirectory));
        h.Engine.Topics.CompactMetadata();

        // The full file holds every change; the journal still holds them all too, as if its reset never ran.
        using var copy = new TempDirectory();
        var (engine, logs) = await OpenCrashCopyAsync(h, copy, directory => File.WriteAllBytes(JournalPath(directory), journal));
        await using var running = engine;

        Assert.Equal(["y"], TopicNames(engine));
        Assert.True(engine.Topics.TryGetTopic("y", out var y));
        Assert.Equal(6, y.QueueCount);
        Assert.True(engine.Topics.TryGetGroup("g", out _));
        Assert.DoesNotContain(logs.Logger.Entries, e => e.Level >= LogLevel.Warning);
    }
}
