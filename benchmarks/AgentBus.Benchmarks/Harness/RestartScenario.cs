using System.Diagnostics;
using AgentBus.Broker;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Benchmarks.Harness;

/// <summary>Writes N messages over T lite topics, closes the broker, and times the reopen until it serves again.</summary>
internal static class RestartScenario
{
    private static async Task MeasureReopenAsync(HarnessOptions options, string what)
    {
        var reopen = Stopwatch.StartNew();
        await using var engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = options.Directory });
        // Serving again: a subscription and a receive on one of the recovered lite topics answer.
        engine.SyncLiteSubscription("probe", "workers", "agents", LiteSyncAction.PartialAdd, ["lite-0"]);
        var batch = await engine.ReceiveLiteAsync("probe", "workers", "agents", 1, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        var elapsed = reopen.Elapsed;
        Console.WriteLine($"{what}: serving again after {elapsed.TotalSeconds:F2} s ({engine.LiteTopicCount:N0} lite topics, {engine.RecoveryScannedRecords:N0} records scanned, probe received {batch.Count})");
        engine.ClientTerminated("probe");
    }

    public static async Task RunAsync(HarnessOptions options)
    {
        Directory.CreateDirectory(options.Directory);
        try
        {
            var body = new byte[options.BodySize];
            var fill = Stopwatch.StartNew();
            await using (var engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = options.Directory }))
            {
                for (int i = 0; i < options.Messages; i++)
                {
                    string lite = "lite-" + (i % options.Topics).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await engine.SendAsync(new MessageRecord { Topic = "agents", LiteTopic = lite, MessageId = "m" + i, Body = body });
                }

                Console.WriteLine($"wrote {options.Messages:N0} messages of {options.BodySize} B over {engine.LiteTopicCount:N0} lite topics in {fill.Elapsed.TotalSeconds:F1} s; log {engine.CommitLogPosition / 1048576.0:F0} MiB");
            }

            await MeasureReopenAsync(options, "clean restart (index checkpoint + tail)");
            // As after a crash before any index checkpoint: every record header is scanned.
            // (Its previous copy too, or the restart would fall back to it and scan only its tail.)
            File.Delete(Path.Combine(options.Directory, "index.checkpoint"));
            File.Delete(Path.Combine(options.Directory, "index.checkpoint.prev"));
            await MeasureReopenAsync(options, "restart without index checkpoint (full log scan)");
        }
        finally
        {
            Directory.Delete(options.Directory, recursive: true);
        }
    }
}
