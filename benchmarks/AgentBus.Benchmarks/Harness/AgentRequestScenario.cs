using System.Diagnostics;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Request/response through the agent layer (<c>RequestAsync</c> served by an agent's <c>ReplyAsync</c>) against the
/// same two lite-topic hops done by hand with the client (<see cref="RawRequestPath"/>), on one broker in one run, with
/// the same send coalescing. The two paths alternate round by round, so drift of the shared machine hits both.
/// <c>--concurrency 1</c> (the default) measures latency back to back; more keeps that many requests in flight
/// against one agent id and measures requests per second. A third path is the agent layer with the message stream
/// off (every send and ack a MessagingService call), so the stream's gain is measured in the same run.
/// </summary>
internal static class AgentRequestScenario
{
    private const string Peer = "svc";
    private const string PeerOverCalls = "svc-calls";
    private const double LatencyTarget = 1.15;
    private const double ThroughputTarget = 25_000;

    public static async Task RunAsync(HarnessOptions options)
    {
        int body = options.BodyGiven ? options.BodySize : 1024;
        int concurrency = options.ConcurrencyGiven ? options.Concurrency : 1;
        int coalesce = options.CoalesceGiven ? options.Coalesce : 128;
        int rounds = options.Rounds > 0 ? options.Rounds : 3;
        int requests = options.MessagesGiven ? options.Messages : concurrency == 1 ? 10_000 : 100_000;
        var payload = new byte[body];
        Random.Shared.NextBytes(payload);

        await using var harness = await AgentHarness.StartAsync(options);
        await using var bus = await AgentHarness.ConnectAsync(harness, coalesce);
        await using var server = await bus.CreateAgentAsync(Peer, (ctx, ct) => ctx.ReplyAsync(ctx.Body, ct));
        await using var caller = await bus.CreateAgentAsync("bench-caller");
        await using var raw = await RawRequestPath.StartAsync(harness, coalesce, concurrency, payload);
        await using var callsBus = await AgentHarness.ConnectAsync(harness, coalesce, messageStream: false);
        await using var callsServer = await callsBus.CreateAgentAsync(PeerOverCalls, (ctx, ct) => ctx.ReplyAsync(ctx.Body, ct));
        await using var callsCaller = await callsBus.CreateAgentAsync("bench-caller-calls");
        var paths = new RequestPath[]
        {
            new("raw", raw.RequestAsync),
            new("agent", _ => caller.RequestAsync<byte[], byte[]>(Peer, payload)),
            new("calls", _ => callsCaller.RequestAsync<byte[], byte[]>(PeerOverCalls, payload)),
        };
        // For a profiler: AGENTBUS_BENCH_ONLY=raw (or agent) runs that path in every slot of each round;
        // AGENTBUS_BENCH_ALLOCATIONS=1 prints what the measured rounds allocated, by type.
        switch (Environment.GetEnvironmentVariable("AGENTBUS_BENCH_ONLY"))
        {
            case "raw": paths[1] = paths[2] = paths[0]; break;
            case "agent": paths[0] = paths[2] = paths[1]; break;
        }

        Console.WriteLine($"agent-request: {body} B body (echoed back; raw bytes, no JSON), {concurrency} in flight, send coalescing {(coalesce > 0 ? coalesce : "off")} on both paths, "
            + $"{rounds} rounds of {requests:N0} requests per path, load average {CostMeter.LoadAverage()}");
        using var allocations = AllocationSampler.StartIfAsked();
        foreach (var path in paths)
        {
            await ClosedLoop.RunForAsync(concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), path.Request);
        }

        var (took, quiet) = await ClosedLoop.WarmUntilJitQuietAsync(concurrency, paths.Select(path => path.Request).ToArray(),
            TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(120));
        Console.WriteLine($"  warm-up went on {took.TotalSeconds:F0} s more until {(quiet ? "the JIT compiled nothing for 3 s" : "its limit, the JIT still compiling")}");
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        allocations?.Record();
        if (concurrency == 1)
        {
            await MeasureLatencyAsync(paths, rounds, requests);
        }
        else
        {
            await MeasureThroughputAsync(paths, rounds, requests, concurrency);
        }

        allocations?.Print((long)rounds * requests * paths.Length);
        Console.WriteLine($"  JIT time during the measured rounds: {(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:F0} ms");
        Console.WriteLine($"  load average at the end {CostMeter.LoadAverage()}");
    }

    private static async Task MeasureLatencyAsync(RequestPath[] paths, int rounds, int requests)
    {
        var samples = paths.Select(_ => new List<LatencySummary>()).ToArray();
        for (int round = 1; round <= rounds; round++)
        {
            for (int p = 0; p < paths.Length; p++)
            {
                var request = paths[p].Request;
                var meter = CostMeter.Start();
                var summary = await LatencyRounds.RunAsync(requests, TimeSpan.Zero, async () =>
                {
                    long start = Stopwatch.GetTimestamp();
                    await request(0);
                    return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                });
                samples[p].Add(summary);
                Console.WriteLine($"  round {round} {paths[p].Name,-5}: {summary.Tail}; {meter.Stop(requests).PerOperation("request")}");
            }
        }

        var rawAll = LatencySummary.Merge(samples[0]);
        var agentAll = LatencySummary.Merge(samples[1]);
        var callsAll = LatencySummary.Merge(samples[2]);
        Console.WriteLine($"  all rounds raw:   {rawAll.Tail}");
        Console.WriteLine($"  all rounds agent: {agentAll.Tail}");
        Console.WriteLine($"  all rounds calls: {callsAll.Tail}");
        Console.WriteLine($"  agent (message stream) / agent over calls: p50 {agentAll.Percentile(0.50) / callsAll.Percentile(0.50):F2}x, "
            + $"p99 {agentAll.Percentile(0.99) / callsAll.Percentile(0.99):F2}x");
        double p50 = agentAll.Percentile(0.50) / rawAll.Percentile(0.50);
        double p99 = agentAll.Percentile(0.99) / rawAll.Percentile(0.99);
        Console.WriteLine($"  agent/raw: p50 {p50:F2}x, p99 {p99:F2}x, p99.9 {agentAll.Percentile(0.999) / rawAll.Percentile(0.999):F2}x; "
            + $"target p50 and p99 within {LatencyTarget}x: {(p50 <= LatencyTarget && p99 <= LatencyTarget ? "met" : "missed")}");
    }

    private static async Task MeasureThroughputAsync(RequestPath[] paths, int rounds, int requests, int concurrency)
    {
        var rates = paths.Select(_ => new List<double>()).ToArray();
        for (int round = 1; round <= rounds; round++)
        {
            for (int p = 0; p < paths.Length; p++)
            {
                var meter = CostMeter.Start();
                await ClosedLoop.RunAsync(concurrency, requests, paths[p].Request);
                var cost = meter.Stop(requests);
                rates[p].Add(cost.PerSecond);
                Console.WriteLine($"  round {round} {paths[p].Name,-5}: {cost.PerSecond,8:N0} req/s; {cost.PerOperation("request")}");
            }
        }

        double raw = RunCost.Median(rates[0]), agent = RunCost.Median(rates[1]), calls = RunCost.Median(rates[2]);
        Console.WriteLine($"  median raw {raw:N0} req/s, agent {agent:N0} req/s, agent over calls {calls:N0} req/s; agent/raw {agent / raw:F2}x, "
            + $"agent (message stream) / agent over calls {agent / calls:F2}x; "
            + $"target agent >= {ThroughputTarget:N0} req/s: {(agent >= ThroughputTarget ? "met" : "missed")}");
    }

    private sealed record RequestPath(string Name, Func<int, Task> Request);
}
