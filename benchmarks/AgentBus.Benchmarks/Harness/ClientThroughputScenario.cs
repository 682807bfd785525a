using System.Diagnostics;
using AgentBus.Client.Consuming;
using AgentBus.Client.Messages;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Client end to end, pipelined: a <c>Producer</c> keeps <c>--concurrency</c> sends in flight (each of <c>--batch</c>
/// 1 KB messages) to <c>--topics</c> lite topics; one <c>LitePushConsumer</c> subscribed to all of them consumes and
/// acks. Reports messages per second from the first send to the last message consumed. With <c>--drain 1</c> the
/// messages are stored first and then consumed, which measures the consumer side alone.
/// </summary>
internal static class ClientThroughputScenario
{

    public static async Task RunAsync(HarnessOptions options)
    {
        int total = options.MessagesGiven ? options.Messages : 300_000;
        int body = options.BodyGiven ? options.BodySize : 1024;
        int liteTopics = options.Topics == 1_000_000 ? 64 : options.Topics;
        int batch = options.Batch == 64 && !options.BatchGiven ? 1 : options.Batch;
        int concurrency = options.ConcurrencyGiven ? options.Concurrency : 64;
        await using var harness = await ClientHarness.StartAsync(options);
        var provider = harness.Provider;
        long consumed = 0;
        long target = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consumer = await provider.NewLitePushConsumerBuilder().BindTopic(ClientHarness.Parent).SetConsumerGroup("bench-throughput")
            .SetMaxCacheMessageCount(4096).SetConsumptionParallelism(options.Workers).SetReceiveConcurrency(options.Polls).SetContinuousReceive(options.Continuous)
            .SetAckLinger(TimeSpan.FromMilliseconds(options.AckLingerMs))
            .SetMessageListener(_ =>
            {
                if (Interlocked.Increment(ref consumed) == Volatile.Read(ref target))
                {
                    done.TrySetResult();
                }

                return ConsumeResult.Success;
            }).BuildAsync();
        bool drain = options.Drain;
        for (int t = 0; t < liteTopics && !drain; t++)
        {
            await consumer.SubscribeLiteAsync($"lt-{t}");
        }

        var producerBuilder = provider.NewProducerBuilder().SetTopics(ClientHarness.Parent);
        if (options.Coalesce > 1)
        {
            producerBuilder.EnableSendCoalescing(options.Coalesce);
        }

        await using var producer = await producerBuilder.BuildAsync();
        var payload = new byte[body];
        Random.Shared.NextBytes(payload);
        var messages = Enumerable.Range(0, liteTopics)
            .Select(t => provider.NewMessageBuilder().SetTopic(ClientHarness.Parent).SetLiteTopic($"lt-{t}").SetBody(payload).Build()).ToArray();

        if (drain)
        {
            // Consumer alone: everything is stored first, then the lite topics are subscribed from their start.
            Volatile.Write(ref target, total / batch * batch);
            await RunAsync(producer, messages, total, batch, concurrency, () => 0);
            var drainCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var drainTimer = Stopwatch.StartNew();
            for (int t = 0; t < liteTopics; t++)
            {
                await consumer.SubscribeLiteAsync($"lt-{t}", OffsetOption.MinOffset);
            }

            await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
            long drained = total / batch * batch;
            Console.WriteLine($"client-throughput (drain): {drained:N0} stored messages consumed at {drained / drainTimer.Elapsed.TotalSeconds:N0} msgs/s, "
                + $"{(Process.GetCurrentProcess().TotalProcessorTime - drainCpu).TotalMicroseconds / drained:F1} us CPU per message");
            return;
        }

        // Warm-up for --warmup-s (JIT tiering takes seconds, connections, pools), then the timed run.
        var warming = Stopwatch.StartNew();
        int chunk = Math.Min(20_000, total / 10) / batch * batch;
        do
        {
            Interlocked.Exchange(ref consumed, 0);
            await RunAsync(producer, messages, chunk, batch, concurrency, () => Volatile.Read(ref consumed));
            await WaitForAsync(() => Volatile.Read(ref consumed) >= chunk);
        }
        while (warming.Elapsed < TimeSpan.FromSeconds(options.WarmupSeconds));

        Interlocked.Exchange(ref consumed, 0);
        Volatile.Write(ref target, total / batch * batch);
        long allocatedBefore = GC.GetTotalAllocatedBytes();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        int gen0 = GC.CollectionCount(0);
        var timer = Stopwatch.StartNew();
        await RunAsync(producer, messages, total, batch, concurrency, () => 0);
        double sendSeconds = timer.Elapsed.TotalSeconds;

        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        double seconds = timer.Elapsed.TotalSeconds;
        double cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
        long sent = total / batch * batch;
        Console.WriteLine($"client-throughput: {sent:N0} x {body} B over {liteTopics} lite topics, batch {batch}, coalescing {(options.Coalesce > 1 ? options.Coalesce.ToString(System.Globalization.CultureInfo.InvariantCulture) : "off")}, {concurrency} sends in flight, {options.Polls} long poll(s), continuous receive {(options.Continuous ? "on" : "off")}, ack linger {options.AckLingerMs} ms, {options.Workers} listener workers: "
            + $"{sent / seconds:N0} msgs/s end to end ({sent * (double)body / seconds / (1 << 20):F0} MiB/s), sends done at {sent / sendSeconds:N0} msgs/s; "
            + $"{cpuMicros / sent:F1} us CPU and {(GC.GetTotalAllocatedBytes() - allocatedBefore) / (double)sent:N0} B allocated per message (client + broker), "
            + $"{GC.CollectionCount(0) - gen0} gen0 GCs");
    }

    private static async Task RunAsync(AgentBus.Client.Producing.Producer producer, Message[] messages, int total, int batch, int concurrency, Func<long> _)
    {
        int next = 0;
        int rounds = total / batch;
        var workers = Enumerable.Range(0, concurrency).Select(async w =>
        {
            var list = new Message[batch];
            // Bounded: each worker takes rounds until all are taken.
            while (true)
            {
                int round = Interlocked.Increment(ref next) - 1;
                if (round >= rounds)
                {
                    return;
                }

                var message = messages[round % messages.Length];
                if (batch == 1)
                {
                    await producer.SendAsync(message);
                }
                else
                {
                    Array.Fill(list, message);
                    await producer.SendAsync(list);
                }
            }
        });
        await Task.WhenAll(workers);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var timer = Stopwatch.StartNew();
        while (!condition() && timer.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(10);
        }
    }
}
