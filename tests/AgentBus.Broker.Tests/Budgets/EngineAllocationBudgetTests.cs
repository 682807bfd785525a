using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;
using Xunit.Abstractions;

namespace AgentBus.Broker.Tests.Budgets;

/// <summary>
/// Allocation budgets of the engine's hot paths, per operation, measured on the calling thread (both paths complete
/// there). A budget is the figure measured when it was recorded plus headroom; docs/benchmarks.md lists them and says
/// how to update them. Nothing here measures time.
/// </summary>
[Trait("Category", "AllocationBudget")]
public sealed class EngineAllocationBudgetTests(ITestOutputHelper output)
{
    /// <summary>
    /// One 1 KiB lite message appended to the commit log (encode, checksum, copy into the mapped segment), async flush,
    /// within a segment. Measured 0 B on 2026-12-04 with
    /// <c>dotnet test tests/AgentBus.Broker.Tests -c Release --filter Category=AllocationBudget</c>: an append allocates
    /// nothing, and the budget keeps it so (no headroom to give on zero).
    /// </summary>
    private const double CommitLogAppendBudget = 0;

    /// <summary>
    /// One 1 KiB lite message popped from the ready set (a batch of 32 shares the receive) and acked. Measured
    /// 1,762 B on 2026-12-04 (same command; the same figure in every run, with or without tiered compilation),
    /// mostly the copy of the body and the delivery; budget 2,100 B (+19 %).
    /// </summary>
    private const double PopAckBudget = 2_100;

    [Fact]
    public void A_commit_log_append_stays_within_its_allocation_budget()
    {
        using var directory = new Storage.TempDirectory();
        // 1,000 + 3 × 5,000 records of ~1.3 KB fit one 32 MiB segment: no segment roll inside the measurement.
        using var log = CommitLog.Open(new CommitLogOptions { Directory = directory.Path, SegmentSize = 32 << 20, FlushMode = FlushMode.Async });
        var message = Lite1K("reply-gw-0001");
        long queueOffset = 0;

        double perAppend = ThreadAllocations.PerOperation(warmup: 1_000, operations: 5_000, rounds: 3, () =>
        {
            log.Append(message, queueOffset++, 1_700_000_000_000);
            return 1;
        });

        Assert.Equal(16_000, queueOffset);
        AllocationBudget.AtMost(output, "CommitLog.Append", CommitLogAppendBudget, perAppend);
    }

    [Fact]
    public async Task A_pop_and_ack_stays_within_its_allocation_budget()
    {
        // Enough for the warm-up and three rounds of 32-message batches, with a spare batch.
        const int liteTopics = 100, messages = 14_000;
        await using var harness = await EngineHarness.StartAsync(options => options.SegmentSize = 64 << 20);
        var engine = harness.Engine;
        engine.SyncLiteSubscription("c1", "g", "agents", LiteSyncAction.PartialAdd,
            [.. Enumerable.Range(0, liteTopics).Select(i => $"t{i}")]);
        var body = new byte[1024];
        for (int i = 0; i < messages; i++)
        {
            await engine.SendAsync(new MessageRecord { Topic = "agents", LiteTopic = $"t{i % liteTopics}", MessageId = $"m{i}", Body = body });
        }

        int acked = 0;
        double perMessage = ThreadAllocations.PerOperation(warmup: 1_000, operations: 4_000, rounds: 3, () =>
        {
            var receive = engine.ReceiveLiteAsync("c1", "g", "agents", 32, TimeSpan.FromMinutes(5), TimeSpan.Zero);
            // Ready messages are popped without waiting, so the whole step ran on this thread and its counter saw it all.
            Assert.True(receive.IsCompletedSuccessfully, "A receive of ready messages waited.");
            var batch = receive.Result;
            foreach (var delivery in batch)
            {
                engine.Ack("g", delivery.ReceiptHandle);
            }

            acked += batch.Count;
            return batch.Count;
        });

        Assert.InRange(acked, 13_000, messages);
        AllocationBudget.AtMost(output, "BrokerEngine pop + ack", PopAckBudget, perMessage);
    }

    private static MessageRecord Lite1K(string liteTopic)
    {
        var body = new byte[1024];
        new Random(42).NextBytes(body);
        return new MessageRecord
        {
            Topic = "agentbus",
            LiteTopic = liteTopic,
            MessageId = "0100163E0C7F2A00000000000001",
            Tag = "reply",
            BornTimestamp = 1_700_000_000_000,
            BornHost = "10.0.0.12:50432",
            Properties = new Dictionary<string, string> { ["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
            Body = body,
        };
    }
}
