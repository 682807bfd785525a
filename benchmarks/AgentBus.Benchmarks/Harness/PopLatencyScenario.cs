using System.Diagnostics;
using AgentBus.Broker;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Send-one, pop-one, ack-one latency on an active lite topic, first with no other lite topics, then with N idle
/// subscribed lite topics: the ready set means the idle ones cost nothing per pop.
/// </summary>
internal static class PopLatencyScenario
{
    private const int Rounds = 200_000;

    public static async Task RunAsync(HarnessOptions options)
    {
        double empty = await MeasureAsync(options, idleTopics: 0);
        double loaded = await MeasureAsync(options, idleTopics: options.Topics);
        Console.WriteLine($"pop latency p50 with 0 idle lite topics:       {empty:F2} µs");
        Console.WriteLine($"pop latency p50 with {options.Topics:N0} idle lite topics: {loaded:F2} µs ({(loaded / empty - 1) * 100:+0.0;-0.0}%)");
    }

    private static async Task<double> MeasureAsync(HarnessOptions options, int idleTopics)
    {
        string directory = options.Directory + "-" + idleTopics;
        Directory.CreateDirectory(directory);
        try
        {
            await using var engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = directory });
            if (idleTopics > 0)
            {
                // Idle lite topics: subscribed, their one message already consumed.
                await LiteScaleScenario.PopulateAsync(engine, idleTopics, options.BodySize, subscribe: true);
                for (int c = 0; c * 2000 < idleTopics; c++)
                {
                    while (true)
                    {
                        var drained = await engine.ReceiveLiteAsync($"client-{c}", "workers", "agents", 32, TimeSpan.FromMinutes(5), TimeSpan.Zero);
                        if (drained.Count == 0)
                        {
                            break;
                        }

                        foreach (var d in drained)
                        {
                            engine.Ack("workers", d.ReceiptHandle);
                        }
                    }
                }
            }

            engine.SyncLiteSubscription("active", "workers", "agents", LiteSyncAction.PartialAdd, ["hot"]);
            var message = new MessageRecord { Topic = "agents", LiteTopic = "hot", MessageId = "hot", Body = new byte[options.BodySize] };
            var samples = new double[Rounds];
            for (int i = -Rounds / 2; i < Rounds; i++) // the first half-round warms the JIT up and is not recorded
            {
                await engine.SendAsync(message);
                long start = Stopwatch.GetTimestamp();
                var batch = await engine.ReceiveLiteAsync("active", "workers", "agents", 1, TimeSpan.FromSeconds(30), TimeSpan.Zero);
                if (i >= 0)
                {
                    samples[i] = (Stopwatch.GetTimestamp() - start) * 1_000_000.0 / Stopwatch.Frequency;
                }

                engine.Ack("workers", batch[0].ReceiptHandle);
            }

            Array.Sort(samples);
            Console.WriteLine($"  {idleTopics:N0} idle: p50 {samples[Rounds / 2]:F3} µs, p99 {samples[Rounds * 99 / 100]:F3} µs, p99.9 {samples[Rounds * 999 / 1000]:F3} µs");
            return samples[Rounds / 2];
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
