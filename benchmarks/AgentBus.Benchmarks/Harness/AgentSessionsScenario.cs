using System.Diagnostics;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Live sessions in one gateway process: opens N sessions (default 10,000) owned by one agent and reports the time to
/// open them and the memory each costs — managed heap after a full collection and whole-process RSS, before and after,
/// divided by N. The broker runs in the same process unless --endpoint is given, so the figures include its side of
/// each session (lite topic, subscription) when embedded.
/// </summary>
internal static class AgentSessionsScenario
{
    public static async Task RunAsync(HarnessOptions options)
    {
        int sessions = options.MessagesGiven ? options.Messages : 10_000;
        await using var harness = await AgentHarness.StartAsync(options);
        await using var bus = await AgentBusClient.ConnectAsync(AgentHarness.Options(harness, options.Coalesce));
        await using var gateway = await bus.CreateAgentAsync("gateway");
        // The session consumer starts with the first session: open one before measuring.
        var open = new List<AgentSession>(sessions) { await gateway.OpenSessionAsync("warm-up") };

        var (heapBefore, rssBefore) = Measure();
        var timer = Stopwatch.StartNew();
        for (int i = 0; i < sessions; i++)
        {
            open.Add(await gateway.OpenSessionAsync($"conversation-{i}"));
        }

        double seconds = timer.Elapsed.TotalSeconds;
        var (heapAfter, rssAfter) = Measure();
        Console.WriteLine($"agent-sessions: {sessions:N0} live sessions opened in {seconds:F1} s ({sessions / seconds:N0}/s); "
            + $"managed heap {(heapAfter - heapBefore) / (double)sessions:N0} B per session, RSS {(rssAfter - rssBefore) / (double)sessions:N0} B per session "
            + $"({(harness.Engine is null ? "client process only" : "client and embedded broker")})");
        GC.KeepAlive(open);
    }

    private static (long Heap, long Rss) Measure()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}
