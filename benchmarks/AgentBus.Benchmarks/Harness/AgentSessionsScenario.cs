using System.Diagnostics;
using System.Globalization;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// One gateway process opens <c>--sessions</c> live sessions (default 10,000) with <c>OpenSessionAsync</c>,
/// <c>--concurrency</c> opens in flight (default 32): the time to open them, and per session the managed heap
/// (after a full GC) and the resident memory they added, with the broker's default quota of 2,000 lite subscriptions
/// per client (the bus adds a session consumer per 2,000). With the embedded broker its share (each session's lite
/// topic and subscription) is in the figures; with <c>--endpoint</c> they are the gateway's alone. A message to the
/// last session is then read through it, and the sessions are closed: closing should give their lite subscriptions
/// back, so the session consumer's count after it is printed.
/// </summary>
internal static class AgentSessionsScenario
{
    public static async Task RunAsync(HarnessOptions options)
    {
        int count = options.Sessions;
        int concurrency = options.ConcurrencyGiven ? options.Concurrency : 32;
        int coalesce = options.CoalesceGiven ? options.Coalesce : 128;
        await using var harness = await AgentHarness.StartAsync(options);
        await using var bus = await AgentHarness.ConnectAsync(harness, coalesce);
        await using var gateway = await bus.CreateAgentAsync("gateway");
        var ids = Enumerable.Range(0, count).Select(i => "conversation-" + i.ToString("D7", CultureInfo.InvariantCulture)).ToArray();
        var sessions = new AgentSession[count];
        // The session consumer starts with the first session: not part of what a session costs.
        var warmUp = await gateway.OpenSessionAsync("warm-up");
        await warmUp.DisposeAsync();

        long heapBefore = LiteScaleScenario.ManagedBytes();
        var (anonBefore, _) = LiteScaleScenario.ResidentMemory();
        long rssBefore = ResidentSetSize();
        int next = -1;
        var timer = Stopwatch.StartNew();
        await ClosedLoop.RunAsync(concurrency, count, async _ =>
        {
            int i = Interlocked.Increment(ref next);
            sessions[i] = await gateway.OpenSessionAsync(ids[i]);
        });
        var opened = timer.Elapsed;
        long heapAfter = LiteScaleScenario.ManagedBytes();
        var (anonAfter, _) = LiteScaleScenario.ResidentMemory();
        long rssAfter = ResidentSetSize();

        var delivery = Stopwatch.StartNew();
        await gateway.SendToSessionAsync(ids[^1], "ping");
        await using (var messages = sessions[^1].ReadAllAsync().GetAsyncEnumerator())
        {
            if (!await messages.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException("The last session ended without its message.");
            }
        }

        var delivered = delivery.Elapsed;
        timer.Restart();
        int closing = -1;
        await ClosedLoop.RunAsync(concurrency, count, async _ => await sessions[Interlocked.Increment(ref closing)].DisposeAsync());
        var closed = timer.Elapsed;
        int stillSubscribed = sessions.Append(warmUp).Select(s => s.Consumer!).Distinct().Sum(c => c.LiteTopics.Count);
        string broker = options.Endpoint is null ? "embedded broker's share included" : "broker in another process";
        Console.WriteLine($"agent-sessions: {count:N0} live sessions in one gateway, {concurrency} opens in flight ({broker}), load average {CostMeter.LoadAverage()}");
        Console.WriteLine($"  opened in {opened.TotalSeconds:F2} s ({count / opened.TotalSeconds:N0} sessions/s); a message to the last one read in {delivered.TotalMilliseconds:F1} ms; "
            + $"closed in {closed.TotalMilliseconds:F0} ms, after which the session consumers still hold {stillSubscribed:N0} lite subscriptions");
        Console.WriteLine($"  per session: managed heap {(heapAfter - heapBefore) / (double)count:N0} B, resident set (VmRSS) {(rssAfter - rssBefore) / (double)count:N0} B, "
            + $"resident anonymous (RssAnon) {(anonAfter - anonBefore) / (double)count:N0} B");
    }

    private static long ResidentSetSize()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
