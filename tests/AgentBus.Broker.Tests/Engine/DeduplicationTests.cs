using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Tests.Engine;

public sealed class DeduplicationTests
{
    private static MessageRecord Keyed(EngineHarness h, string liteTopic, string key, string body) =>
        h.Lite("agents", liteTopic, body, new Dictionary<string, string> { [BrokerEngine.DeduplicationKeyProperty] = key });

    [Fact]
    public async Task A_resend_with_the_same_key_within_the_window_gets_the_first_receipt_and_stores_nothing()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);

        var first = await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "first"));
        var retry = await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "retry"));

        Assert.False(first.Duplicate);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.Equal(first.QueueOffset, retry.QueueOffset);
        var delivered = await h.ReceiveAsync("c1", "g");
        Assert.Equal(["first"], delivered.Select(d => d.BodyText()));
    }

    [Fact]
    public async Task After_the_window_the_same_key_is_stored_again()
    {
        await using var h = await EngineHarness.StartAsync(o => o.DeduplicationWindow = TimeSpan.FromSeconds(30));
        await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "first"));

        h.Time.Advance(TimeSpan.FromSeconds(31));
        var later = await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "later"));

        Assert.False(later.Duplicate);
        Assert.Equal(1, later.QueueOffset);
    }

    [Fact]
    public async Task Keys_are_per_lite_topic_and_a_batch_skips_its_duplicates()
    {
        await using var h = await EngineHarness.StartAsync();
        var results = await h.Engine.SendBatchAsync([Keyed(h, "a", "k", "1"), Keyed(h, "b", "k", "2"), Keyed(h, "a", "k", "3")]);

        Assert.Equal([false, false, true], results.Select(r => r.Duplicate));
        Assert.Equal(results[0].MessageId, results[2].MessageId);
    }

    [Fact]
    public async Task Past_its_capacity_the_window_forgets_the_oldest_keys_first()
    {
        await using var h = await EngineHarness.StartAsync(o => o.MaxDeduplicationKeys = 2);
        await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "1"));
        await h.Engine.SendAsync(Keyed(h, "inbox", "k-2", "2"));
        await h.Engine.SendAsync(Keyed(h, "inbox", "k-3", "3"));

        Assert.False((await h.Engine.SendAsync(Keyed(h, "inbox", "k-1", "again"))).Duplicate);
        Assert.True((await h.Engine.SendAsync(Keyed(h, "inbox", "k-3", "again"))).Duplicate);
    }
}

/// <summary>The window survives restarts: saved with the index checkpoint, the keys of the log after it read on recovery.</summary>
public sealed class DeduplicationRestartTests
{
    private static MessageRecord Keyed(EngineHarness h, string key, string body) =>
        h.Lite("agents", "inbox", body, new Dictionary<string, string> { [BrokerEngine.DeduplicationKeyProperty] = key });

    private static async Task<bool> IsDuplicateAsync(BrokerEngine engine, EngineHarness h, string key) =>
        (await engine.SendAsync(Keyed(h, key, "again"))).Duplicate;

    [Fact]
    public async Task A_resend_after_a_clean_restart_within_the_window_gets_the_first_receipt()
    {
        await using var h = await EngineHarness.StartAsync();
        var first = await h.Engine.SendAsync(Keyed(h, "k-1", "first"));

        await h.RestartAsync();
        var retry = await h.Engine.SendAsync(Keyed(h, "k-1", "retry"));

        Assert.True(retry.Duplicate);
        Assert.Equal((first.MessageId, first.QueueOffset), (retry.MessageId, retry.QueueOffset));
        h.Engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd, ["inbox"]);
        Assert.Equal(["first"], (await h.ReceiveAsync("c1", "g")).Select(d => d.BodyText()));
    }

    [Fact]
    public async Task After_a_crash_keys_saved_at_the_checkpoint_and_keys_written_after_it_are_remembered()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.Engine.SendAsync(Keyed(h, "before", "1"));
        await h.Engine.CheckpointIndexesAsync();
        await h.Engine.SendAsync(Keyed(h, "after", "2"));

        using var copy = await CrashCopyAsync(h);
        await using var recovered = await BrokerEngine.OpenAsync(OptionsFor(h, copy.Path), h.Time);

        Assert.True(recovered.RecoveredFromIndexCheckpoint);
        Assert.True(await IsDuplicateAsync(recovered, h, "before"));
        Assert.True(await IsDuplicateAsync(recovered, h, "after"));
        Assert.False(await IsDuplicateAsync(recovered, h, "never-sent"));
    }

    [Fact]
    public async Task After_a_restart_a_key_is_still_forgotten_when_its_window_ends()
    {
        await using var h = await EngineHarness.StartAsync(o => o.DeduplicationWindow = TimeSpan.FromSeconds(30));
        await h.Engine.SendAsync(Keyed(h, "early", "1"));
        h.Time.Advance(TimeSpan.FromSeconds(20));
        await h.Engine.SendAsync(Keyed(h, "late", "2"));
        h.Time.Advance(TimeSpan.FromSeconds(5));

        await h.RestartAsync();
        h.Time.Advance(TimeSpan.FromSeconds(6)); // 31 s after "early", 11 s after "late"

        Assert.False(await IsDuplicateAsync(h.Engine, h, "early"));
        Assert.True(await IsDuplicateAsync(h.Engine, h, "late"));
    }

    [Fact]
    public async Task A_damaged_window_file_falls_back_to_its_previous_copy_and_reads_the_keys_since_from_the_log()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.Engine.SendAsync(Keyed(h, "k-1", "1"));
        await h.Engine.CheckpointIndexesAsync();
        await h.Engine.SendAsync(Keyed(h, "k-2", "2"));
        await h.Engine.CheckpointIndexesAsync();
        await h.Engine.SendAsync(Keyed(h, "k-3", "3"));
        await h.StopAsync(); // the shutdown checkpoint is the newest copy; the previous one holds k-1 and k-2

        string path = Path.Combine(h.DataDirectory, Deduplication.DeduplicationCheckpoint.FileName);
        byte[] bytes = await File.ReadAllBytesAsync(path);
        bytes[^3] ^= 0x40;
        await File.WriteAllBytesAsync(path, bytes);
        await h.OpenAsync();

        Assert.True(await IsDuplicateAsync(h.Engine, h, "k-1"));
        Assert.True(await IsDuplicateAsync(h.Engine, h, "k-2"));
        Assert.True(await IsDuplicateAsync(h.Engine, h, "k-3")); // after the previous copy: read from the log
        Assert.Contains(h.Logs.Logger.Entries, e => e.Event.Id == 1113 && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task Without_a_window_file_beside_an_index_checkpoint_the_keys_before_it_are_forgotten_with_a_warning()
    {
        await using var h = await EngineHarness.StartAsync();
        await h.Engine.SendAsync(Keyed(h, "k-1", "1"));
        await h.StopAsync();
        foreach (string file in Directory.GetFiles(h.DataDirectory, Deduplication.DeduplicationCheckpoint.FileName + "*"))
        {
            File.Delete(file);
        }

        await h.OpenAsync();

        Assert.True(h.Engine.RecoveredFromIndexCheckpoint);
        Assert.False(await IsDuplicateAsync(h.Engine, h, "k-1"));
        Assert.Contains(h.Logs.Logger.Entries, e => e.Event.Id == 1112);
    }

    private static BrokerOptions OptionsFor(EngineHarness h, string directory)
    {
        var options = h.NewOptions();
        options.DataDirectory = directory;
        return options;
    }

    /// <summary>The data directory as a crash leaves it: copied while the engine runs.</summary>
    private static async Task<Storage.TempDirectory> CrashCopyAsync(EngineHarness h)
    {
        var copy = new Storage.TempDirectory();
        using var cp = System.Diagnostics.Process.Start("cp", ["-a", h.DataDirectory + "/.", copy.Path])!;
        await cp.WaitForExitAsync();
        Assert.Equal(0, cp.ExitCode);
        return copy;
    }
}
