using AgentBus.Broker.Storage;
using AgentBus.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Reliability.Tests.Crash;

/// <summary>
/// The standalone broker, under concurrent load on lite and normal topics, killed with SIGKILL at seeded random
/// moments and restarted on the same data folder, cycle after cycle. Afterwards every acknowledged message is served,
/// no body is corrupt, and only sends that failed and were retried (or never acknowledged) are stored twice.
/// In both flush modes: Sync acknowledges after the fsync; Async after the write, and since a killed process leaves
/// the page cache to the kernel, an acknowledged Async send must survive a process kill too (a power loss is another
/// matter: Async loses up to <c>FlushInterval</c> of acknowledged sends then, see docs/storage.md).
/// CI runs <see cref="HarnessSettings.CrashCycles"/> cycles per mode; <c>AGENTBUS_CRASH_CYCLES=100</c> runs long.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int LiteProducers = 2;
    private const int NormalProducers = 2;

    [Theory]
    [InlineData(FlushMode.Sync)]
    [InlineData(FlushMode.Async)]
    public async Task Every_acknowledged_send_survives_SIGKILL_of_the_broker(FlushMode mode)
    {
        int cycles = HarnessSettings.CrashCycles;
        int seed = HarnessSettings.CrashSeed;
        output.WriteLine($"flush mode {mode}, {cycles} kill cycles, AGENTBUS_CRASH_SEED={seed}");
        // Not HashCode.Combine: it is randomized per process, and the seed must replay.
        var random = new Random(unchecked((seed * 31) + (int)mode));
        string data = Path.Combine(Path.GetTempPath(), "agentbus-crash-" + Guid.NewGuid().ToString("N"));
        string[] settings =
        [
            $"Broker:FlushMode={mode}",
            "Broker:SegmentSize=16777216", // as TestBroker's, which reads the folder back
            $"Broker:Topics:0:Name={CrashLoad.LiteParent}", "Broker:Topics:0:MessageType=Lite",
            $"Broker:Topics:1:Name={CrashLoad.NormalTopic}", "Broker:Topics:1:MessageType=Normal",
        ];
        var errorLines = new List<string>();
        var broker = await BrokerProcess.StartAsync(data, 0, settings);
        int port = broker.Port;
        try
        {
            SendLedger ledger;
            long failed;
            await using (var load = await CrashLoad.StartAsync($"127.0.0.1:{port}", seed, LiteProducers, NormalProducers))
            {
                ledger = load.Ledger;
                for (int cycle = 1; cycle <= cycles; cycle++)
                {
                    // The kill moment: after a random number of further acknowledged sends, while all producers send.
                    long target = ledger.Acked + random.Next(20, 400);
                    await ledger.WaitForAckedAsync(target, TimeSpan.FromSeconds(60));
                    await broker.KillAsync();
                    errorLines.AddRange(broker.ErrorLines());
                    await broker.DisposeAsync();
                    output.WriteLine($"cycle {cycle}: killed after {ledger.Acked} acknowledged sends");
                    broker = await RestartAsync(data, port, settings);
                }

                // The restarted broker takes sends again before the load stops.
                await ledger.WaitForAckedAsync(ledger.Acked + 50, TimeSpan.FromSeconds(60));
                await load.StopAsync();
                failed = load.FailedAttempts;
            }

            // A last kill: the folder is read back as a crash left it, not after a clean shutdown.
            await broker.KillAsync();
            errorLines.AddRange(broker.ErrorLines());
            Assert.True(errorLines.Count == 0, "The broker process logged errors:\n" + string.Join("\n", errorLines));

            await using var reader = await TestBroker.StartAsync(output, configure: options => options.FlushMode = mode, dataDirectory: data);
            var read = await ReadBack.ReadAsync(reader, LiteTopics());
            AssertEveryAcknowledgedSendServed(ledger, read, failed);
        }
        finally
        {
            await broker.DisposeAsync();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private void AssertEveryAcknowledgedSendServed(SendLedger ledger, ReadBack read, long failed)
    {
        var entries = ledger.Entries;
        var lost = entries.Where(e => e.Value.Acked && !read.Copies.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        var unknown = read.Copies.Keys.Where(id => !entries.ContainsKey(id)).ToList();
        var duplicated = read.Copies.Where(c => c.Value > 1).Select(c => c.Key).ToList();
        // A second copy is legitimate only when a send of that id failed and was repeated, or none was acknowledged.
        var wrongDuplicates = duplicated.Where(id => entries[id] is { Attempts: 1, Acked: true }).ToList();
        int storedUnacknowledged = read.Copies.Keys.Count(id => entries.TryGetValue(id, out var e) && !e.Acked);
        int retried = entries.Values.Count(e => e.Attempts > 1);
        output.WriteLine($"{entries.Count(e => e.Value.Acked)} ids acknowledged ({retried} after a retry, {failed} failed sends), " +
            $"{read.Copies.Count} ids served, {read.Copies.Values.Sum()} copies; duplicates: {duplicated.Count} ids " +
            $"(all after a retried send), stored but never acknowledged: {storedUnacknowledged}, corrupt: {read.Corrupt.Count}");

        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged messages are not served, e.g. {string.Join(", ", lost.Take(10))}");
        Assert.True(read.Corrupt.Count == 0, "Corrupt messages:\n" + string.Join("\n", read.Corrupt.Take(20)));
        Assert.True(unknown.Count == 0, $"Served ids nobody sent: {string.Join(", ", unknown.Take(10))}");
        Assert.True(wrongDuplicates.Count == 0, $"Stored twice though sent once: {string.Join(", ", wrongDuplicates.Take(10))}");
    }

    private static IEnumerable<string> LiteTopics() =>
        from producer in Enumerable.Range(0, LiteProducers)
        from index in Enumerable.Range(0, CrashLoad.LiteTopicsPerProducer)
        select $"lite{producer}-s{index}";

    /// <summary>Starts the broker on the port it had; the port can be briefly unavailable after the kill.</summary>
    private static async Task<BrokerProcess> RestartAsync(string data, int port, string[] settings)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await BrokerProcess.StartAsync(data, port, settings);
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                // Bounded: a port still held or a start that failed for another reason is retried a few times.
            }
        }
    }
}
