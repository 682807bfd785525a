using System.Diagnostics;
using AgentBus.Broker;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// BrokerEngine.ListLiteTopics over N lite topics (one message and one subscription each): time and bytes allocated
/// per page, for the first page, a page deep in the listing, a prefix that matches a tenth, and subscribed only.
/// </summary>
internal static class LiteListScenario
{
    private const int Rounds = 10;

    public static async Task RunAsync(HarnessOptions options)
    {
        Directory.CreateDirectory(options.Directory);
        try
        {
            await using var engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = options.Directory, MaxLiteSubscriptionsPerClient = 2000 });
            await LiteScaleScenario.PopulateAsync(engine, options.Topics, options.BodySize, subscribe: true);
            Console.WriteLine($"lite topics: {engine.LiteTopicCount:N0}");
            Measure("first page of 100", () => engine.ListLiteTopics("agents", limit: 100));
            Measure("first page of 1000", () => engine.ListLiteTopics("agents", limit: 1000));
            Measure("page of 1000 after lite-5", () => engine.ListLiteTopics("agents", after: "lite-5", limit: 1000));
            Measure("prefix lite-1 (a tenth), 1000", () => engine.ListLiteTopics("agents", prefix: "lite-1", limit: 1000));
            Measure("subscribed only, 1000, group", () => engine.ListLiteTopics("agents", limit: 1000, subscribedOnly: true, group: "workers"));
        }
        finally
        {
            Directory.Delete(options.Directory, recursive: true);
        }
    }

    private static void Measure(string what, Func<object> list)
    {
        list(); // warm-up (JIT)
        var times = new double[Rounds];
        long allocated = 0;
        for (int i = 0; i < Rounds; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var stopwatch = Stopwatch.StartNew();
            list();
            times[i] = stopwatch.Elapsed.TotalMilliseconds;
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Array.Sort(times);
        Console.WriteLine($"{what,-32} median {times[Rounds / 2],8:F1} ms   allocated {allocated / Rounds / 1024.0,8:F1} KiB per page");
    }
}
