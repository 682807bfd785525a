using System.Diagnostics;
using AgentBus.Broker.Storage;
using AgentBus.Server.Embedded;
using Apache.Rocketmq.V2;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// SendMessage throughput over gRPC on loopback: several concurrent callers, each sending batches of messages
/// (1 KB bodies by default) to a normal topic or, with <c>--lite-topics N</c>, spread over N lite topics of a lite
/// parent, against an embedded broker (async flush) or, with <c>--endpoint</c>, a running one.
/// </summary>
internal static class SendE2eScenario
{
    public static async Task RunAsync(HarnessOptions options)
    {
        int body = options.BodyGiven ? options.BodySize : 1024;
        int total = options.MessagesGiven ? options.Messages : 2_000_000;
        await using var broker = options.Endpoint is null
            ? await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
            {
                DataDirectory = options.Directory,
                ConfigureBroker = broker => broker.FlushMode = options.SyncFlush ? FlushMode.Sync : FlushMode.Async,
            })
            : null;
        string endpoint = options.Endpoint ?? broker!.Endpoint;
        try
        {
            using var channel = E2eClient.Channel(endpoint);
            var client = new E2eClient(channel, "harness-producer");
            // Lite messages of one request share a lite topic (as a producer sends them); requests rotate over the lite topics.
            int variants = options.LiteTopics > 0 ? Math.Min(options.LiteTopics, 4096) : 1;
            int topicsPerVariant = options.LiteTopics > 0 ? (options.LiteTopics + variants - 1) / variants : 1;
            var requests = new SendMessageRequest[variants];
            for (int v = 0; v < variants; v++)
            {
                requests[v] = new SendMessageRequest();
                for (int i = 0; i < options.Batch; i++)
                {
                    requests[v].Messages.Add(options.LiteTopics > 0
                        ? E2eClient.Message("bench-lite", $"lite-{v}", body, i)
                        : E2eClient.Message("bench-send", null, body, i));
                }
            }

            // Warm-up: JIT, connection, topic creation.
            await RunCallersAsync(client, requests, Math.Min(total / 10, 100_000) / options.Batch + 1, options.Concurrency, topicsPerVariant);
            int callsPerCaller = Math.Max(1, total / options.Batch / options.Concurrency);
            long sent = (long)callsPerCaller * options.Concurrency * options.Batch;
            var timer = Stopwatch.StartNew();
            await RunCallersAsync(client, requests, callsPerCaller, options.Concurrency, topicsPerVariant);
            timer.Stop();
            double rate = sent / timer.Elapsed.TotalSeconds;
            string target = (options.LiteTopics > 0 ? $"{options.LiteTopics:N0} lite topics" : "a normal topic")
                + (options.SyncFlush ? " (sync flush)" : "");
            Console.WriteLine($"send-e2e: {sent:N0} messages of {body} B to {target} in batches of {options.Batch}, {options.Concurrency} concurrent callers: "
                + $"{timer.Elapsed.TotalSeconds:F2} s, {rate:N0} msgs/s, {rate * body / (1 << 20):N1} MiB/s");
        }
        finally
        {
            if (broker is not null && Directory.Exists(options.Directory))
            {
                await broker.DisposeAsync();
                Directory.Delete(options.Directory, recursive: true);
            }
        }
    }

    private static Task RunCallersAsync(E2eClient client, SendMessageRequest[] requests, int callsPerCaller, int concurrency, int topicsPerVariant) =>
        Task.WhenAll(Enumerable.Range(0, concurrency).Select(caller => Task.Run(async () =>
        {
            for (int call = 0; call < callsPerCaller; call++)
            {
                int n = (caller * callsPerCaller) + call;
                var request = requests[n % requests.Length];
                if (topicsPerVariant > 1)
                {
                    // Spread over every lite topic: rename the variant's lite topic (the request is re-serialised per call).
                    string liteTopic = $"lite-{n % requests.Length}-{n / requests.Length % topicsPerVariant}";
                    request = request.Clone();
                    foreach (var message in request.Messages)
                    {
                        message.SystemProperties.LiteTopic = liteTopic;
                    }
                }

                var response = await client.Stub.SendMessageAsync(request, client.Options(TimeSpan.FromSeconds(30)));
                if (response.Status.Code != Code.Ok)
                {
                    throw new InvalidOperationException($"Send failed: {response.Status.Code} {response.Status.Message}");
                }
            }
        })));
}
