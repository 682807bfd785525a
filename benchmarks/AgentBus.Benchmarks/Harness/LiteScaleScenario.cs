using System.Diagnostics;
using AgentBus.Broker;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// N lite topics, each with one message and one subscription (clients of 2,000 subscriptions each): reports the
/// process memory and the bytes per lite topic. <c>--keep-log-pages</c> keeps the flushed pages of the commit log
/// mapped (as before they were released), for comparison.
/// </summary>
internal static class LiteScaleScenario
{
    public static async Task RunAsync(HarnessOptions options, bool keepLogPages = false)
    {
        Directory.CreateDirectory(options.Directory);
        try
        {
            long before = ManagedBytes();
            long rssBefore = Process.GetCurrentProcess().WorkingSet64;
            var stopwatch = Stopwatch.StartNew();
            await using var engine = await BrokerEngine.OpenAsync(new BrokerOptions
            {
                DataDirectory = options.Directory,
                MaxLiteSubscriptionsPerClient = 2000,
                CommitLogResidentTail = keepLogPages ? -1 : Broker.Storage.CommitLogOptions.DefaultResidentTail,
            });
            await PopulateAsync(engine, options.Topics, options.BodySize, subscribe: true);
            var populated = stopwatch.Elapsed;
            // The periodic flush (every 200 ms) releases the flushed pages of the log.
            await Task.Delay(TimeSpan.FromSeconds(1));

            long after = ManagedBytes();
            var process = Process.GetCurrentProcess();
            process.Refresh();
            Console.WriteLine($"lite topics:            {engine.LiteTopicCount:N0}");
            Console.WriteLine($"subscriptions:          {engine.LiteSubscriptionCount:N0}");
            Console.WriteLine($"populate time:          {populated.TotalSeconds:F1} s ({options.Topics / populated.TotalSeconds:N0} topics/s with send + subscribe)");
            Console.WriteLine($"managed heap growth:    {(after - before) / 1048576.0:F1} MiB ({(after - before) / (double)options.Topics:F0} bytes per lite topic)");
            Console.WriteLine($"process working set:    {process.WorkingSet64 / 1048576.0:F1} MiB (grew {(process.WorkingSet64 - rssBefore) / 1048576.0:F1} MiB; includes mapped commit-log pages)");
            var (anon, file) = ResidentMemory();
            Console.WriteLine($"resident anonymous:     {anon / 1048576.0:F1} MiB (heap, runtime, indexes)");
            Console.WriteLine($"resident file-backed:   {file / 1048576.0:F1} MiB (mapped commit-log segments, code)");
            Console.WriteLine($"commit log bytes:       {engine.CommitLogPosition / 1048576.0:F1} MiB");
        }
        finally
        {
            Directory.Delete(options.Directory, recursive: true);
        }
    }

    /// <summary>Sends one message to each of <paramref name="topics"/> lite topics and subscribes each once.</summary>
    public static async Task PopulateAsync(BrokerEngine engine, int topics, int bodySize, bool subscribe)
    {
        var body = new byte[bodySize];
        const int perClient = 2000;
        var batch = new List<string>(perClient);
        for (int i = 0; i < topics; i++)
        {
            string lite = "lite-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await engine.SendAsync(new MessageRecord { Topic = "agents", LiteTopic = lite, MessageId = "m" + i, Body = body });
            batch.Add(lite);
            if (batch.Count == perClient || i == topics - 1)
            {
                if (subscribe)
                {
                    engine.SyncLiteSubscription($"client-{i / perClient}", "workers", "agents", LiteSyncAction.PartialAdd, batch);
                }

                batch.Clear();
            }
        }
    }

    /// <summary>RssAnon and RssFile from /proc/self/status, in bytes.</summary>
    internal static (long Anonymous, long File) ResidentMemory()
    {
        long anon = 0, file = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anon = ParseKb(line);
            }
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
            {
                file = ParseKb(line);
            }
        }

        return (anon, file);

        static long ParseKb(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>The managed heap after full, compacting collections (finalizers run in between).</summary>
    internal static long ManagedBytes()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
