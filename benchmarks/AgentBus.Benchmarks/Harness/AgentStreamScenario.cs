using System.Diagnostics;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// A streamed reply to one consumer: an agent's handler writes N chunks (default 1,000 of 16 bytes) with
/// <c>OpenReplyStream</c>; the caller reads them with <c>StreamAsync</c>. Chunks per second from the request's start
/// to the last chunk read, over several rounds (median reported).
/// </summary>
internal static class AgentStreamScenario
{
    public static async Task RunAsync(HarnessOptions options)
    {
        int chunks = options.MessagesGiven ? options.Messages : 1_000;
        int chunkSize = options.BodyGiven ? options.BodySize : 16;
        const int rounds = 15;
        await using var harness = await AgentHarness.StartAsync(options);
        await using var bus = await AgentBusClient.ConnectAsync(AgentHarness.Options(harness, options.Coalesce));
        byte[] chunk = new byte[chunkSize];
        var written = new List<double>();
        await using var llm = await bus.CreateAgentAsync("llm", async (ctx, ct) =>
        {
            long started = Stopwatch.GetTimestamp();
            var stream = ctx.OpenReplyStream<byte[]>();
            for (int i = 0; i < chunks; i++)
            {
                await stream.WriteAsync(chunk, ct);
            }

            await stream.CompleteAsync(ct);
            lock (written)
            {
                written.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
        });
        await using var caller = await bus.CreateAgentAsync("caller");

        var firstChunk = new List<double>();
        async Task<double> RoundAsync()
        {
            long start = Stopwatch.GetTimestamp();
            int read = 0;
            await foreach (var _ in caller.StreamAsync<string, byte[]>("llm", "go"))
            {
                if (read++ == 0)
                {
                    firstChunk.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }

            if (read != chunks)
            {
                throw new InvalidOperationException($"Read {read} chunks of {chunks}.");
            }

            return chunks / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        var warmUntil = Stopwatch.GetTimestamp() + (long)(options.WarmupSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < warmUntil)
        {
            await RoundAsync();
        }

        var rates = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            rates[i] = await RoundAsync();
        }

        Array.Sort(rates);
        Console.WriteLine($"agent-stream: {chunks:N0} chunks of {chunkSize} B per stream, {rounds} streams after {options.WarmupSeconds} s warm-up, "
            + $"stream batch {bus.Options.StreamBatchSize}, send coalescing {options.Coalesce}: median {rates[rounds / 2]:N0} chunks/s "
            + $"(min {rates[0]:N0}, max {rates[^1]:N0}); first chunk after a median {firstChunk.Order().ElementAt(firstChunk.Count / 2):N0} us; "
            + $"the handler wrote and stored a stream in a median {written.Order().ElementAt(written.Count / 2):N0} us");
    }
}
