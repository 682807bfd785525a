using System.Diagnostics;
using AgentBus.Server.Embedded;
using Apache.Rocketmq.V2;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// The floor under every latency figure: one unary gRPC call (Heartbeat) to the embedded broker on loopback, back to
/// back, measured from the call's start to its response.
/// </summary>
internal static class RpcLatencyScenario
{
    public static async Task RunAsync(HarnessOptions options)
    {
        int rounds = options.MessagesGiven ? options.Messages : 20_000;
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { DataDirectory = options.Directory });
        try
        {
            using var channel = E2eClient.Channel(broker.Endpoint);
            var client = new E2eClient(channel, "harness-ping");
            var request = new HeartbeatRequest { ClientType = ClientType.Producer };
            var summary = await LatencyRounds.RunAsync(rounds, TimeSpan.FromSeconds(options.WarmupSeconds), async () =>
            {
                long start = Stopwatch.GetTimestamp();
                await client.Stub.HeartbeatAsync(request, client.Options(TimeSpan.FromSeconds(10)));
                return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            });
            Console.WriteLine($"rpc-latency: {rounds:N0} unary Heartbeat calls back to back: {summary}");
        }
        finally
        {
            await broker.DisposeAsync();
            if (Directory.Exists(options.Directory))
            {
                Directory.Delete(options.Directory, recursive: true);
            }
        }
    }
}
