using System.Diagnostics;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// A streamed reply through the agent layer: one caller's <c>StreamAsync</c> reads <c>--chunks</c> chunks of 16 bytes
/// (default 1,000) that an agent's handler writes with <c>OpenReplyStream</c>, against the same stream done by hand
/// with the client (<see cref="RawStreamPath"/>) on the same broker, the two alternating round by round. Chunks per
/// second from the start of the request to the last chunk received; the median of <c>--rounds</c> streams each.
/// </summary>
internal static class AgentStreamScenario
{
    private const string Peer = "streamer";
    private const double Target = 100_000;

    public static async Task RunAsync(HarnessOptions options)
    {
        int chunks = options.Chunks;
        int chunkSize = options.BodyGiven ? options.BodySize : 16;
        int rounds = options.Rounds > 0 ? options.Rounds : 5;
        int coalesce = options.CoalesceGiven ? options.Coalesce : 128;
        var chunk = new byte[chunkSize];
        Random.Shared.NextBytes(chunk);

        await using var harness = await AgentHarness.StartAsync(options);
        await using var bus = await AgentHarness.ConnectAsync(harness, coalesce);
        // How long the handler took to write and store the stream (one stream at a time, so one field will do).
        var written = TimeSpan.Zero;
        await using var server = await bus.CreateAgentAsync(Peer, async (ctx, ct) =>
        {
            long started = Stopwatch.GetTimestamp();
            int count = ctx.GetBody<int>();
            var stream = ctx.OpenReplyStream<byte[]>();
            for (int i = 0; i < count; i++)
            {
                await stream.WriteAsync(chunk, ct);
            }

            await stream.CompleteAsync(ct);
            written = Stopwatch.GetElapsedTime(started);
        });
        await using var reader = await bus.CreateAgentAsync("bench-reader");
        await using var raw = await RawStreamPath.StartAsync(harness, coalesce);
        var paths = new (string Name, Func<Task<StreamTiming>> Stream)[]
        {
            ("raw", () => raw.StreamAsync(chunks, chunk, bus.Options.StreamBatchSize)),
            ("agent", () => StreamOnceAsync(reader, chunks)),
        };
        Console.WriteLine($"agent-stream: {chunks:N0} chunks of {chunkSize} B per stream, one reader, up to {bus.Options.StreamBatchSize} chunks per send, "
            + $"send coalescing {(coalesce > 0 ? coalesce : "off")}, {rounds} rounds per path, load average {CostMeter.LoadAverage()}");
        foreach (var (_, stream) in paths)
        {
            var warming = Stopwatch.StartNew();
            while (warming.Elapsed < TimeSpan.FromSeconds(options.WarmupSeconds))
            {
                await stream();
            }
        }

        var rates = paths.Select(_ => new List<double>()).ToArray();
        for (int round = 1; round <= rounds; round++)
        {
            for (int p = 0; p < paths.Length; p++)
            {
                var meter = CostMeter.Start();
                var timing = await paths[p].Stream();
                var cost = meter.Stop(chunks);
                rates[p].Add(chunks / timing.LastChunk.TotalSeconds);
                string writer = p == 1 ? $", handler wrote and stored it in {written.TotalMilliseconds:F1} ms" : "";
                Console.WriteLine($"  round {round} {paths[p].Name,-5}: {rates[p][^1],9:N0} chunks/s (first chunk after {timing.FirstChunk.TotalMilliseconds:F1} ms, "
                    + $"last after {timing.LastChunk.TotalMilliseconds:F1} ms{writer}); {cost.PerOperation("chunk")}");
            }
        }

        double rawMedian = RunCost.Median(rates[0]), agentMedian = RunCost.Median(rates[1]);
        Console.WriteLine($"  median raw {rawMedian:N0} chunks/s, agent {agentMedian:N0} chunks/s, agent/raw {agentMedian / rawMedian:F2}x; "
            + $"target agent >= {Target:N0} chunks/s: {(agentMedian >= Target ? "met" : "missed")}; load average at the end {CostMeter.LoadAverage()}");
    }

    /// <summary>One streamed request; the times from its start to the first and the last chunk (the end marker comes after).</summary>
    private static async Task<StreamTiming> StreamOnceAsync(Agent reader, int chunks)
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan first = TimeSpan.Zero, last = TimeSpan.Zero;
        int seen = 0;
        await foreach (var _ in reader.StreamAsync<int, byte[]>(Peer, chunks))
        {
            seen++;
            if (seen == 1)
            {
                first = Stopwatch.GetElapsedTime(start);
            }

            if (seen == chunks)
            {
                last = Stopwatch.GetElapsedTime(start);
            }
        }

        return seen == chunks ? new StreamTiming(first, last) : throw new InvalidOperationException($"The stream ended after {seen} of {chunks} chunks.");
    }
}
