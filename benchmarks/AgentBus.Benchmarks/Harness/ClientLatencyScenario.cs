using System.Diagnostics;
using AgentBus.Client.Consuming;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Client end to end, one message in flight: from the start of <c>Producer.SendAsync</c> of one 1 KB message to the
/// moment the <c>LitePushConsumer</c>'s listener is invoked with it. The next round starts when the listener ran.
/// </summary>
internal static class ClientLatencyScenario
{
    public static async Task RunAsync(HarnessOptions options)
    {
        int rounds = options.MessagesGiven ? options.Messages : 10_000;
        int body = options.BodyGiven ? options.BodySize : 1024;
        await using var harness = await ClientHarness.StartAsync(options);
        var provider = harness.Provider;
        TaskCompletionSource<long> arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consumer = await provider.NewLitePushConsumerBuilder().BindTopic(ClientHarness.Parent).SetConsumerGroup("bench-latency")
            .SetReceiveConcurrency(options.Polls).SetContinuousReceive(options.Continuous)
            .SetAckLinger(TimeSpan.FromMilliseconds(options.AckLingerMs))
            .SetMessageListener(_ =>
            {
                Volatile.Read(ref arrived).TrySetResult(Stopwatch.GetTimestamp());
                return ConsumeResult.Success;
            }).BuildAsync();
        await consumer.SubscribeLiteAsync("hot-session");
        await using var producer = await provider.NewProducerBuilder().SetTopics(ClientHarness.Parent).BuildAsync();
        var message = provider.NewMessageBuilder().SetTopic(ClientHarness.Parent).SetLiteTopic("hot-session").SetBody(new byte[body]).Build();

        // Optional gap between rounds, so the consumer's next long poll is waiting (and the ack sent) before a send starts.
        var gap = TimeSpan.FromMicroseconds(options.GapMicros);
        var summary = await LatencyRounds.RunAsync(rounds, TimeSpan.FromSeconds(options.WarmupSeconds), async () =>
        {
            if (gap > TimeSpan.Zero)
            {
                await Task.Delay(gap);
            }

            var waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref arrived, waiter);
            long start = Stopwatch.GetTimestamp();
            await producer.SendAsync(message);
            long end = await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return (end - start) * 1_000_000.0 / Stopwatch.Frequency;
        });
        Console.WriteLine($"client-latency: {rounds:N0} rounds, {body} B, send start -> listener invoked: "
            + $"{options.Polls} long poll(s), continuous receive {(options.Continuous ? "on" : "off")}, ack linger {options.AckLingerMs} ms, gap {options.GapMicros} us: {summary}");
    }
}
