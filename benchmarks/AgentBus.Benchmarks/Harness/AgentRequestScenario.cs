using System.Collections.Concurrent;
using System.Diagnostics;
using AgentBus.Client.Consuming;
using AgentBus.Client.Lite;
using AgentBus.Client.Producing;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Request/response, 1 KB, on one broker in one run: the agent layer (<c>RequestAsync</c> served by an agent's
/// handler) against the raw client path it is built on — two lite-topic hops done by hand (requester sends to lite
/// topic <c>svc</c>; the responder's listener sends the answer to the requester's reply lite topic; a consumer of that
/// topic completes the caller) with the same send coalescing and concurrent listeners. The two alternate for three
/// rounds each so machine drift touches both. With --concurrency 1 it reports latency; above 1, requests per second.
/// </summary>
internal static class AgentRequestScenario
{
    private const string CorrelationProperty = "bench-correlation";

    public static async Task RunAsync(HarnessOptions options)
    {
        int concurrency = options.ConcurrencyGiven ? options.Concurrency : 1;
        int requests = options.MessagesGiven ? options.Messages : concurrency == 1 ? 10_000 : 100_000;
        int bodySize = options.BodyGiven ? options.BodySize : 1024;
        await using var harness = await AgentHarness.StartAsync(options);
        await using var raw = await RawPath.StartAsync(harness, options.Coalesce, Math.Max(concurrency, 16));
        await using var bus = await AgentBusClient.ConnectAsync(AgentHarness.Options(harness, options.Coalesce));
        await using var service = await bus.CreateAgentAsync("svc", (ctx, ct) => ctx.ReplyAsync(ctx.Body, ct));
        await using var caller = await bus.CreateAgentAsync("caller");
        byte[] body = new byte[bodySize];
        Func<Task> viaAgent = () => caller.RequestAsync<byte[], ReadOnlyMemory<byte>>("svc", body);
        Func<Task> viaRaw = () => raw.RequestAsync(body);
        // For a profiler: AGENTBUS_BENCH_ONLY=agent (or raw) runs the same path on both sides of each round.
        switch (Environment.GetEnvironmentVariable("AGENTBUS_BENCH_ONLY"))
        {
            case "agent": viaRaw = viaAgent; break;
            case "raw": viaAgent = viaRaw; break;
        }

        Console.WriteLine($"agent-request: {bodySize} B, {requests:N0} requests per round, {concurrency} in flight, send coalescing {options.Coalesce}, "
            + $"warm-up {options.WarmupSeconds} s per path");
        await WarmAsync(viaRaw, concurrency, options.WarmupSeconds);
        await WarmAsync(viaAgent, concurrency, options.WarmupSeconds);
        for (int round = 1; round <= 3; round++)
        {
            if (concurrency == 1)
            {
                var rawCpu = CpuMicros();
                var rawLatency = await LatencyAsync(viaRaw, requests);
                rawCpu = (CpuMicros() - rawCpu) / requests;
                var agentCpu = CpuMicros();
                var agentLatency = await LatencyAsync(viaAgent, requests);
                agentCpu = (CpuMicros() - agentCpu) / requests;
                Console.WriteLine($"  round {round}: raw   {rawLatency}; {rawCpu:F0} us CPU per request");
                Console.WriteLine($"  round {round}: agent {agentLatency}; {agentCpu:F0} us CPU per request");
                Console.WriteLine($"  round {round}: agent/raw p50 {agentLatency.Percentile(0.50) / rawLatency.Percentile(0.50):F2}, "
                    + $"p99 {agentLatency.Percentile(0.99) / rawLatency.Percentile(0.99):F2}, p99.9 {agentLatency.Percentile(0.999) / rawLatency.Percentile(0.999):F2}");
            }
            else
            {
                var rawCpu = CpuMicros();
                double rawRate = await ThroughputAsync(viaRaw, requests, concurrency);
                rawCpu = (CpuMicros() - rawCpu) / requests;
                var agentCpu = CpuMicros();
                double agentRate = await ThroughputAsync(viaAgent, requests, concurrency);
                agentCpu = (CpuMicros() - agentCpu) / requests;
                Console.WriteLine($"  round {round}: raw {rawRate:N0} req/s ({rawCpu:F0} us CPU per request), agent {agentRate:N0} req/s ({agentCpu:F0} us CPU per request), "
                    + $"agent/raw {agentRate / rawRate:F2}");
            }
        }
    }

    private static double CpuMicros()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalMicroseconds;
    }

    private static async Task WarmAsync(Func<Task> request, int concurrency, double seconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                await request();
            }
        }));
    }

    private static async Task<LatencySummary> LatencyAsync(Func<Task> request, int requests) =>
        await LatencyRounds.RunAsync(requests, TimeSpan.Zero, async () =>
        {
            long start = Stopwatch.GetTimestamp();
            await request();
            return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        });

    private static async Task<double> ThroughputAsync(Func<Task> request, int requests, int concurrency)
    {
        int left = requests;
        var timer = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Decrement(ref left) >= 0)
            {
                await request();
            }
        }));
        return requests / timer.Elapsed.TotalSeconds;
    }

    /// <summary>The hand-made request/response over the client: what a user writes without the agent layer.</summary>
    private sealed class RawPath : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _pending = new();
        private Producer _producer = null!;
        private LitePushConsumer _responder = null!;
        private LitePushConsumer _replies = null!;
        private long _next;

        public static async Task<RawPath> StartAsync(ClientHarness harness, int coalesce, int parallelism)
        {
            var path = new RawPath();
            var provider = harness.Provider;
            var producer = provider.NewProducerBuilder().SetTopics(ClientHarness.Parent);
            if (coalesce > 0)
            {
                producer.EnableSendCoalescing(coalesce);
            }

            path._producer = await producer.BuildAsync();
            path._responder = await provider.NewLitePushConsumerBuilder().BindTopic(ClientHarness.Parent).SetConsumerGroup("bench-raw-svc")
                .SetOrderingKey(static _ => null).SetConsumptionParallelism(parallelism)
                .SetMessageListener(async (message, ct) =>
                {
                    await path._producer.SendAsync(provider.NewMessageBuilder().SetTopic(ClientHarness.Parent).SetLiteTopic("raw-reply")
                        .AddProperty(CorrelationProperty, message.Properties[CorrelationProperty]).SetBody(message.Body).Build(), ct);
                    return ConsumeResult.Success;
                }).BuildAsync();
            await path._responder.SubscribeLiteAsync("raw-svc");
            path._replies = await provider.NewLitePushConsumerBuilder().BindTopic(ClientHarness.Parent).SetConsumerGroup("bench-raw-reply")
                .SetOrderingKey(static _ => null).SetConsumptionParallelism(parallelism)
                .SetMessageListener(message =>
                {
                    if (path._pending.TryRemove(message.Properties[CorrelationProperty], out var waiter))
                    {
                        waiter.TrySetResult();
                    }

                    return ConsumeResult.Success;
                }).BuildAsync();
            await path._replies.SubscribeLiteAsync("raw-reply");
            return path;
        }

        public async Task RequestAsync(byte[] body)
        {
            string id = Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = waiter;
            await _producer.SendAsync(new Client.Messages.MessageBuilder().SetTopic(ClientHarness.Parent).SetLiteTopic("raw-svc")
                .AddProperty(CorrelationProperty, id).SetBody(body).Build());
            await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            await _replies.DisposeAsync();
            await _responder.DisposeAsync();
            await _producer.DisposeAsync();
        }
    }
}
