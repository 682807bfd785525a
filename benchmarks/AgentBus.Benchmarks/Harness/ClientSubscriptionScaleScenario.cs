using System.Diagnostics;
using AgentBus.Client.Consuming;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// One <c>LitePushConsumer</c> subscribes <c>--topics</c> lite topics (default 10,000) with <c>--concurrency</c>
/// subscribe calls in flight; reports the subscribe rate and the managed heap added per subscription (client set
/// plus the embedded broker's registry, both in this process), then checks a message to the last one arrives.
/// </summary>
internal static class ClientSubscriptionScaleScenario
{
    public static async Task RunAsync(HarnessOptions options)
    {
        int count = options.Topics == 1_000_000 ? 10_000 : options.Topics;
        int concurrency = options.ConcurrencyGiven ? options.Concurrency : 32;
        await using var harness = await ClientHarness.StartAsync(options, maxSubscriptionsPerClient: count + 10);
        var provider = harness.Provider;
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consumer = await provider.NewLitePushConsumerBuilder().BindTopic(ClientHarness.Parent).SetConsumerGroup("bench-scale")
            .SetMessageListener(_ =>
            {
                arrived.TrySetResult();
                return ConsumeResult.Success;
            }).BuildAsync();
        var names = Enumerable.Range(0, count).Select(i => $"session-{i:D7}").ToArray();
        await consumer.SubscribeLiteAsync("warm-up");

        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        int next = 0;
        var timer = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            // Bounded: each worker takes names until all are taken.
            while (true)
            {
                int i = Interlocked.Increment(ref next) - 1;
                if (i >= names.Length)
                {
                    return;
                }

                await consumer.SubscribeLiteAsync(names[i]);
            }
        }));
        double seconds = timer.Elapsed.TotalSeconds;
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        await using var producer = await provider.NewProducerBuilder().SetTopics(ClientHarness.Parent).BuildAsync();
        var deliver = Stopwatch.StartNew();
        await producer.SendAsync(provider.NewMessageBuilder().SetTopic(ClientHarness.Parent).SetLiteTopic(names[^1]).SetBody("ping").Build());
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Console.WriteLine($"client-subscriptions: {consumer.LiteTopics.Count:N0} lite subscriptions in one consumer, {concurrency} in flight: "
            + $"{count / seconds:N0} subscribes/s ({seconds:F2} s), {(heapAfter - heapBefore) / (double)count:N0} B managed heap per subscription "
            + $"(client + embedded broker); a message to the last one consumed in {deliver.Elapsed.TotalMilliseconds:F1} ms");
    }
}
