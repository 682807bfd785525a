using AgentBus.Broker.Consumption;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;
using Microsoft.Extensions.Logging;
using static AgentBus.Broker.Tests.StateFiles.StateFileDamage;

namespace AgentBus.Broker.Tests.StateFiles;

/// <summary>
/// offsets.journal: a checkpoint tick writes only the cursors that moved; recovery replays the journal on the snapshot
/// it continues. Whatever is damaged or stale, a group resumes at or before what it acknowledged, never after it.
/// </summary>
public sealed class OffsetJournalTests
{
    private const int Sent = 60;

    private static string JournalPath(string directory) => Path.Combine(directory, OffsetJournal.FileName);

    /// <summary>60 messages on lite topic t; <paramref name="acks"/> acknowledged in turn, each batch followed by a
    /// periodic checkpoint (a journal append). Returns the harness, still running.</summary>
    private static async Task<EngineHarness> AckInTicksAsync(params int[] acks)
    {
        var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < Sent; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        foreach (int count in acks)
        {
            await AckAsync(h, count);
            h.Engine.CheckpointMovedOffsets();
        }

        return h;
    }

    private static async Task AckAsync(EngineHarness h, int count, string liteTopic = "t")
    {
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, [liteTopic]);
        foreach (var d in await h.ReceiveAsync("c1", "g", max: count))
        {
            h.Engine.Ack("g", d.ReceiptHandle);
        }
    }

    /// <summary>The files as they are now, without the shutdown's flush and checkpoint, opened by a second engine.</summary>
    private static async Task<(EngineHarness Crashed, TempDirectory Copy)> CrashCopyAsync(EngineHarness h, Action<string>? damage = null)
    {
        var copy = new TempDirectory();
        using (var cp = System.Diagnostics.Process.Start("cp", ["-a", h.DataDirectory + "/.", copy.Path])!)
        {
            await cp.WaitForExitAsync();
            Assert.Equal(0, cp.ExitCode);
        }

        damage?.Invoke(copy.Path);
        return (await EngineHarness.OpenCopyAsync(copy.Path, h.Time), copy);
    }

    [Fact]
    public async Task ACrashAfterJournalAppendsResumesAtTheLastTickWithoutAnySnapshot()
    {
        await using var h = await AckInTicksAsync(10, 20);
        // No snapshot was ever written: the journal alone holds the committed offsets.
        Assert.False(File.Exists(Path.Combine(h.DataDirectory, OffsetCheckpoint.FileName)));
        Assert.Equal(0, h.Engine.OffsetSnapshotsWritten);
        await AckAsync(h, 5); // after the last tick: redelivered after the crash

        var (crashed, copy) = await CrashCopyAsync(h);
        await using (crashed)
        using (copy)
        {
            Assert.Equal((0L, (long)Sent, (long?)30), crashed.Engine.LiteOffsets("agents", "t", "g"));
            Assert.Equal(Range(30, Sent), await DrainAsync(crashed, "c2"));
            NothingAtOrAbove(crashed, LogLevel.Warning);
        }
    }

    [Fact]
    public async Task ATickWritesOnlyTheCursorsThatMovedWhateverTheNumberOfCursors()
    {
        await using var h = await EngineHarness.StartAsync();
        var topics = Enumerable.Range(0, 500).Select(i => $"agent-{i:D4}").ToArray();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, topics);
        foreach (var topic in topics)
        {
            await h.SendLiteAsync("agents", topic, "x");
        }

        h.Engine.CheckpointOffsets();
        long snapshot = new FileInfo(Path.Combine(h.DataDirectory, OffsetCheckpoint.FileName)).Length;
        Assert.True(snapshot > 500 * 20, $"snapshot of 500 cursors: {snapshot} bytes");

        long before = h.Engine.OffsetCheckpointBytesWritten;
        h.Engine.CheckpointMovedOffsets(); // nothing moved: nothing written
        Assert.Equal(before, h.Engine.OffsetCheckpointBytesWritten);

        // One delivery, from whichever lite topic the ready set names first.
        var one = Assert.Single(await h.ReceiveAsync("c1", "g", max: 1));
        h.Engine.Ack("g", one.ReceiptHandle);
        string acked = one.Message.LiteTopic!;
        string untouched = topics.First(t => t != acked);
        h.Engine.CheckpointMovedOffsets();
        long tick = h.Engine.OffsetCheckpointBytesWritten - before;
        Assert.InRange(tick, 1, 100); // one record: 8 bytes of framing and one entry of about 30
        Assert.Equal(OffsetJournal.HeaderSize + tick, new FileInfo(JournalPath(h.DataDirectory)).Length);
        Assert.Equal(1, h.Engine.OffsetSnapshotsWritten);

        var (crashed, copy) = await CrashCopyAsync(h);
        await using (crashed)
        using (copy)
        {
            Assert.Equal((0L, 1L, (long?)1), crashed.Engine.LiteOffsets("agents", acked, "g"));
            Assert.Equal((0L, 1L, (long?)0), crashed.Engine.LiteOffsets("agents", untouched, "g"));
        }
    }

    [Theory]
    [InlineData("torn tail", "a torn record")]
    [InlineData("flipped byte", "CRC mismatch")]
    [InlineData("length out of range", "is out of range")]
    public async Task ADamagedLastRecordIsDroppedAndItsOffsetsComeFromTheTickBefore(string damage, string problem)
    {
        await using var h = await AckInTicksAsync(10, 10, 10);
        // Three ticks of one entry each after the header, all of one size.
        long lastRecord = (new FileInfo(JournalPath(h.DataDirectory)).Length - OffsetJournal.HeaderSize) / 3;

        var (crashed, copy) = await CrashCopyAsync(h, directory =>
        {
            string path = JournalPath(directory);
            switch (damage)
            {
                case "torn tail":
                    Truncate(path, (int)new FileInfo(path).Length - 3);
                    break;
                case "flipped byte":
                    FlipByte(path, fromEnd: 2);
                    break;
                default:
                    // The last record's length field: 4 bytes at the start of its 8-byte header.
                    byte[] bytes = File.ReadAllBytes(path);
                    int start = bytes.Length - (int)lastRecord;
                    BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, start);
                    File.WriteAllBytes(path, bytes);
                    break;
            }
        });
        await using (crashed)
        using (copy)
        {
            // The third tick (30) is gone; the second (20) stands: ten acknowledged messages come again, nothing is skipped.
            Assert.Equal((0L, (long)Sent, (long?)20), crashed.Engine.LiteOffsets("agents", "t", "g"));
            var warning = Logged(crashed, 1115);
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.Contains(JournalPath(copy.Path), warning.Message, StringComparison.Ordinal);
            Assert.Contains(problem, warning.Message, StringComparison.Ordinal);
            Assert.Contains("no unread message is skipped", warning.Message, StringComparison.Ordinal);
            NothingAtOrAbove(crashed, LogLevel.Error);

            // The next append cuts the damaged tail away first: the journal reads cleanly after another crash.
            await AckAsync(crashed, 5);
            crashed.Engine.CheckpointMovedOffsets();
            var (again, copy2) = await CrashCopyAsync(crashed);
            await using (again)
            using (copy2)
            {
                Assert.Equal((0L, (long)Sent, (long?)25), again.Engine.LiteOffsets("agents", "t", "g"));
                Assert.Equal(Range(25, Sent), await DrainAsync(again, "c2"));
                NothingAtOrAbove(again, LogLevel.Warning);
            }
        }
    }

    [Theory]
    [InlineData("zero-length")]
    [InlineData("header flipped")]
    [InlineData("missing")]
    public async Task AJournalWithoutAUsableHeaderOnlyMovesOffsetsBackToTheSnapshot(string damage)
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < Sent; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        await AckAsync(h, 10);
        h.Engine.CheckpointOffsets(); // snapshot: 10
        await AckAsync(h, 20);
        h.Engine.CheckpointMovedOffsets(); // journal: 30

        var (crashed, copy) = await CrashCopyAsync(h, directory =>
        {
            string path = JournalPath(directory);
            if (damage == "header flipped")
            {
                FlipByte(path, fromEnd: (int)new FileInfo(path).Length - 10); // inside the epoch field
            }
            else
            {
                Assert.True(Damage(path, damage, flipFromEnd: 0));
            }
        });
        await using (crashed)
        using (copy)
        {
            Assert.Equal((0L, (long)Sent, (long?)10), crashed.Engine.LiteOffsets("agents", "t", "g"));
            Assert.Equal(Range(10, Sent), await DrainAsync(crashed, "c2"));
            NothingAtOrAbove(crashed, LogLevel.Error);
        }
    }

    [Fact]
    public async Task PastItsBoundTheJournalIsCompactedIntoANewSnapshotAndReplayContinuesOnIt()
    {
        // The bound is the larger of OffsetJournalLimit (1 byte here) and the last snapshot's size: with 40 more cursors
        // (of group h, which never consumes) in the snapshot, one-cursor ticks take a while to outgrow it.
        await using var h = await EngineHarness.StartAsync(o => o.OffsetJournalLimit = 1);
        var others = Enumerable.Range(0, 40).Select(i => $"other-{i:D2}").ToArray();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        h.Engine.SyncLiteSubscription("c9", "h", "agents", LiteSyncAction.PartialAdd, others);
        for (int i = 0; i < Sent; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        foreach (var other in others)
        {
            await h.SendLiteAsync("agents", other, "x");
        }

        h.Engine.CheckpointOffsets();
        long snapshotBytes = new FileInfo(Path.Combine(h.DataDirectory, OffsetCheckpoint.FileName)).Length;
        int ticks = 0;
        while (h.Engine.OffsetSnapshotsWritten == 1 && ticks < 50)
        {
            await AckAsync(h, 1);
            h.Engine.CheckpointMovedOffsets();
            ticks++;
        }

        Assert.Equal(2, h.Engine.OffsetSnapshotsWritten);
        Assert.True(ticks > 5, $"compacted after {ticks} tick(s) with a {snapshotBytes}-byte snapshot");
        Assert.Equal(OffsetJournal.HeaderSize, new FileInfo(JournalPath(h.DataDirectory)).Length);

        await AckAsync(h, 3);
        h.Engine.CheckpointMovedOffsets(); // into the journal that continues the new snapshot
        Assert.Equal(2, h.Engine.OffsetSnapshotsWritten);
        Assert.True(new FileInfo(JournalPath(h.DataDirectory)).Length > OffsetJournal.HeaderSize);

        var (crashed, copy) = await CrashCopyAsync(h);
        await using (crashed)
        using (copy)
        {
            Assert.Equal((0L, (long)Sent, (long?)(ticks + 3)), crashed.Engine.LiteOffsets("agents", "t", "g"));
            Assert.Equal((0L, 1L, (long?)0), crashed.Engine.LiteOffsets("agents", "other-39", "h"));
            NothingAtOrAbove(crashed, LogLevel.Warning);
        }
    }

    [Fact]
    public async Task AJournalOfTheEpochBeforeIsNotReplayedOnTheSnapshotThatSupersedesIt()
    {
        // A crash between writing a snapshot and emptying the journal: offsets.bin is new, offsets.journal is of the
        // snapshot before and holds lower offsets, which must not be applied over the new snapshot's.
        await using var h = await AckInTicksAsync(10, 10);
        string staleJournal = Path.Combine(h.DataDirectory, "..", Path.GetFileName(h.DataDirectory) + ".journal-before");
        File.Copy(JournalPath(h.DataDirectory), staleJournal, overwrite: true);
        try
        {
            await AckAsync(h, 10);
            h.Engine.CheckpointOffsets(); // snapshot: 30, journal emptied

            var (crashed, copy) = await CrashCopyAsync(h, directory => File.Copy(staleJournal, JournalPath(directory), overwrite: true));
            await using (crashed)
            using (copy)
            {
                Assert.Equal((0L, (long)Sent, (long?)30), crashed.Engine.LiteOffsets("agents", "t", "g"));
                Assert.Equal(Range(30, Sent), await DrainAsync(crashed, "c2"));
                NothingAtOrAbove(crashed, LogLevel.Warning);
            }
        }
        finally
        {
            File.Delete(staleJournal);
        }
    }

    [Fact]
    public async Task AfterAFallbackToThePreviousSnapshotTheNewerJournalIsNotReplayed()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < Sent; i++)
        {
            await h.SendLiteAsync("agents", "t", $"{i}");
        }

        await AckAsync(h, 10);
        h.Engine.CheckpointOffsets(); // epoch 1: 10 (becomes .prev)
        await AckAsync(h, 10);
        h.Engine.CheckpointOffsets(); // epoch 2: 20
        await AckAsync(h, 10);
        h.Engine.CheckpointMovedOffsets(); // journal of epoch 2: 30

        var (crashed, copy) = await CrashCopyAsync(h, directory => FlipByte(Path.Combine(directory, OffsetCheckpoint.FileName), fromEnd: 12));
        await using (crashed)
        using (copy)
        {
            // The journal continues the copy that was lost; on the older copy it would be a guess: the older copy stands.
            Assert.Equal((0L, (long)Sent, (long?)10), crashed.Engine.LiteOffsets("agents", "t", "g"));
            Assert.Equal(LogLevel.Warning, Logged(crashed, 1101).Level);

            // The first checkpoint after the fallback writes the snapshot in full: a second crash resumes where this one is.
            await AckAsync(crashed, 4);
            crashed.Engine.CheckpointMovedOffsets();
            Assert.Equal(1, crashed.Engine.OffsetSnapshotsWritten);
            var (again, copy2) = await CrashCopyAsync(crashed);
            await using (again)
            using (copy2)
            {
                Assert.Equal((0L, (long)Sent, (long?)14), again.Engine.LiteOffsets("agents", "t", "g"));
            }
        }
    }

    [Fact]
    public async Task ADeletedLiteTopicIsForgottenAndARecreatedOneStartsFromItsOwnOffsets()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t", "gone"]);
        for (int i = 0; i < 5; i++)
        {
            await h.SendLiteAsync("agents", "t", $"old-{i}");
            await h.SendLiteAsync("agents", "gone", $"gone-{i}");
        }

        await AckAsync(h, 10);
        Assert.Equal(5L, h.Engine.LiteOffsets("agents", "t", "g")!.Value.Committed);
        h.Engine.CheckpointOffsets(); // the snapshot holds both cursors at 5

        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialRemove, ["t", "gone"]);
        h.Engine.DeleteLiteTopic("agents", "t");
        h.Engine.DeleteLiteTopic("agents", "gone");
        h.Engine.CheckpointMovedOffsets(); // the journal records both deletions

        // t comes back: new messages, consumed in part.
        for (int i = 0; i < 8; i++)
        {
            await h.SendLiteAsync("agents", "t", $"new-{i}");
        }

        await AckAsync(h, 2);
        var live = h.Engine.LiteOffsets("agents", "t", "g")!.Value;
        h.Engine.CheckpointMovedOffsets();

        var (crashed, copy) = await CrashCopyAsync(h);
        await using (crashed)
        using (copy)
        {
            Assert.Equal(live, crashed.Engine.LiteOffsets("agents", "t", "g")!.Value);
            Assert.Null(crashed.Engine.LiteOffsets("agents", "gone", "g"));
            Assert.Equal(Enumerable.Range(2, 6).Select(i => $"new-{i}"), await DrainAsync(crashed, "c2"));
            NothingAtOrAbove(crashed, LogLevel.Warning);
        }
    }

    [Fact]
    public async Task AnOffsetOfADeletedLiteTopicIsNotAppliedToTheLiteTopicRecreatedUnderItsName()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < 5; i++)
        {
            await h.SendLiteAsync("agents", "t", $"old-{i}");
        }

        await AckAsync(h, 5);
        h.Engine.CheckpointOffsets(); // the snapshot: g at 5 on t
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialRemove, ["t"]);
        h.Engine.DeleteLiteTopic("agents", "t");
        h.Engine.CheckpointMovedOffsets(); // the journal: t deleted

        // Re-created by new messages; g has not come back to it yet.
        for (int i = 0; i < 8; i++)
        {
            await h.SendLiteAsync("agents", "t", $"new-{i}");
        }

        var live = h.Engine.LiteOffsets("agents", "t", "g");
        var (crashed, copy) = await CrashCopyAsync(h);
        await using (crashed)
        using (copy)
        {
            Assert.Equal(live, crashed.Engine.LiteOffsets("agents", "t", "g"));
            Assert.Equal(Enumerable.Range(0, 8).Select(i => $"new-{i}"), await DrainAsync(crashed, "c2"));
        }

        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"new-{i}"), await DrainAsync(h, "c2"));
    }

    [Fact]
    public async Task MessagesATagFilterSkippedAreJournaledAsConsumed()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        for (int i = 0; i < 6; i++)
        {
            var lite = h.Lite("agents", "t", $"{i}");
            await h.Engine.SendAsync(new MessageRecord
            {
                Topic = lite.Topic, LiteTopic = lite.LiteTopic, MessageId = lite.MessageId, Body = lite.Body,
                BornTimestamp = lite.BornTimestamp, BornHost = lite.BornHost, Tag = i < 5 ? "other" : "wanted",
            });
        }

        var batch = await h.Engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromSeconds(30), TimeSpan.Zero, TagFilter.Parse("wanted"));
        Assert.Equal(["5"], batch.Select(d => d.BodyText()));
        h.Engine.CheckpointMovedOffsets(); // the five skipped ones are consumed: the committed offset moved to 5

        var (crashed, copy) = await CrashCopyAsync(h);
        await using (crashed)
        using (copy)
        {
            Assert.Equal((0L, 6L, (long?)5), crashed.Engine.LiteOffsets("agents", "t", "g"));
        }
    }

    [Fact]
    public async Task AShutdownCompactsTheJournalIntoTheSnapshot()
    {
        await using var h = await AckInTicksAsync(10, 10);
        Assert.True(new FileInfo(JournalPath(h.DataDirectory)).Length > OffsetJournal.HeaderSize);

        await h.StopAsync();
        Assert.Equal(OffsetJournal.HeaderSize, new FileInfo(JournalPath(h.DataDirectory)).Length);

        await h.OpenAsync();
        Assert.Equal((0L, (long)Sent, (long?)20), h.Engine.LiteOffsets("agents", "t", "g"));
        Assert.Equal(Range(20, Sent), await DrainAsync(h, "c2"));
        NothingAtOrAbove(h, LogLevel.Warning);
    }
}

/// <summary>The replay of a journal on a snapshot against the plain model: apply every entry in order to a map of maps.</summary>
public sealed class OffsetReplayTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void ReplayEqualsApplyingEveryEntryInOrder(int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 200; round++)
        {
            MessageQueueKey Queue() => random.Next(4) == 0
                ? new MessageQueueKey("normal", null, random.Next(3))
                : new MessageQueueKey("agents", "t" + random.Next(6), 0);
            string Group() => "g" + random.Next(3);

            var snapshot = new List<CommittedOffset>();
            var model = new Dictionary<MessageQueueKey, Dictionary<string, long>>();
            foreach (var queue in Enumerable.Range(0, random.Next(10)).Select(_ => Queue()).Distinct())
            {
                foreach (string group in Enumerable.Range(0, random.Next(1, 3)).Select(_ => Group()).Distinct())
                {
                    long offset = random.Next(100);
                    snapshot.Add(new CommittedOffset(queue.Topic, queue.LiteTopic, queue.QueueId, group, offset));
                    (model.TryGetValue(queue, out var groups) ? groups : model[queue] = [])[group] = offset;
                }
            }

            var entries = new List<OffsetJournalEntry>();
            for (int i = random.Next(20); i > 0; i--)
            {
                var queue = Queue();
                if (random.Next(5) == 0)
                {
                    entries.Add(new OffsetJournalEntry(queue, null, 0));
                    model.Remove(queue);
                }
                else
                {
                    string group = Group();
                    long offset = random.Next(100);
                    entries.Add(new OffsetJournalEntry(queue, group, offset));
                    (model.TryGetValue(queue, out var groups) ? groups : model[queue] = [])[group] = offset;
                }
            }

            var expected = model.SelectMany(q => q.Value.Select(g => new CommittedOffset(q.Key.Topic, q.Key.LiteTopic, q.Key.QueueId, g.Key, g.Value)));
            var actual = OffsetCheckpoint.Replay(snapshot, entries);
            Assert.Equal(Sorted(expected), Sorted(actual));
        }

        static List<string> Sorted(IEnumerable<CommittedOffset> offsets) =>
            [.. offsets.Select(o => $"{o.Topic}/{o.LiteTopic}/{o.QueueId}/{o.Group}={o.Offset}").Order(StringComparer.Ordinal)];
    }
}
