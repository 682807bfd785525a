using System.Diagnostics;
using System.Globalization;
using AgentBus.Broker;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// `harness offsets`: N lite topics (one message and one subscription each, as lite-scale), then constant acking
/// spread over all of them for a fixed time — each worker takes the clients in turn, receives a batch, acknowledges it
/// and sends each acknowledged lite topic a new message — while the offset checkpoint runs on its default interval.
/// Reports acks per second and the bytes the process wrote through write calls per second (the commit log is mapped,
/// so this is the state files: the offset checkpoint, nothing else runs in that time), the offsets files' sizes, and
/// the time until the engine serves again after a clean shutdown. Engine in-process; every loop is bounded by the run time.
/// </summary>
internal static class OffsetsScenario
{
    private const int PerClient = 2000;

    public static async Task RunAsync(HarnessOptions options)
    {
        string directory = options.Directory;
        Directory.CreateDirectory(directory);
        try
        {
            var brokerOptions = new BrokerOptions { DataDirectory = directory, MaxLiteSubscriptionsPerClient = PerClient };
            var seconds = TimeSpan.FromSeconds(options.Seconds);
            // --active K: the acking goes to the first K lite topics only (the clients holding them), the rest stay idle.
            int activeTopics = options.Active > 0 ? Math.Min(options.Active, options.Topics) : options.Topics;
            int clients = (activeTopics + PerClient - 1) / PerClient;
            int workers = Math.Min(clients, options.ConcurrencyGiven ? options.Concurrency : 2);
            await using (var engine = await BrokerEngine.OpenAsync(brokerOptions))
            {
                var populate = Stopwatch.StartNew();
                await LiteScaleScenario.PopulateAsync(engine, options.Topics, options.BodySize, subscribe: true);
                Console.WriteLine($"offsets: {engine.LiteTopicCount:N0} lite topics, {engine.LiteSubscriptionCount:N0} subscriptions in {populate.Elapsed.TotalSeconds:F1} s; " +
                    $"checkpoint every {brokerOptions.OffsetCheckpointInterval.TotalSeconds:F0} s");

                long acked = 0;
                long writtenBefore = WrittenBytes();
                var run = Stopwatch.StartNew();
                var deadline = run.Elapsed + seconds;
                await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
                {
                    var body = new byte[options.BodySize];
                    var resend = new List<MessageRecord>(32);
                    int sent = 0;
                    for (int c = w; run.Elapsed < deadline; c = c + workers < clients ? c + workers : w)
                    {
                        string client = $"client-{c}";
                        var deliveries = await engine.ReceiveLiteAsync(client, "workers", "agents", 32, TimeSpan.FromMinutes(5), TimeSpan.Zero);
                        resend.Clear();
                        foreach (var delivery in deliveries)
                        {
                            engine.Ack("workers", delivery.ReceiptHandle);
                            resend.Add(new MessageRecord { Topic = "agents", LiteTopic = delivery.Message.LiteTopic, MessageId = $"w{w}-{sent++}", Body = body });
                        }

                        Interlocked.Add(ref acked, deliveries.Count);
                        if (resend.Count > 0)
                        {
                            await engine.SendBatchAsync(resend);
                        }
                    }
                })));
                var elapsed = run.Elapsed;
                long written = WrittenBytes() - writtenBefore;
                Console.WriteLine($"offsets: constant acking over {clients:N0} clients ({Math.Min(clients * PerClient, options.Topics):N0} of the lite topics), {workers} workers, {elapsed.TotalSeconds:F1} s: " +
                    $"{acked / elapsed.TotalSeconds:N0} acks/s ({acked:N0} acks); state files written {written / elapsed.TotalSeconds / 1048576.0:F2} MiB/s " +
                    $"({written / 1048576.0:F1} MiB)");
                Console.WriteLine($"offsets: files while running: {Sizes(directory)}; {engine.OffsetSnapshotsWritten} full snapshot(s) written");

                // A crash: the files as they are now (the journal not compacted), read by a second engine.
                string crashed = directory + "-crash";
                Directory.CreateDirectory(crashed);
                // A file renamed while cp runs (offsets.bin.tmp mid-compaction) is missing from the copy, as from a crash then.
                using (var cp = Process.Start(new ProcessStartInfo("cp", ["-a", directory + "/.", crashed]) { RedirectStandardError = true })!)
                {
                    await cp.WaitForExitAsync();
                }

                try
                {
                    var read = Stopwatch.StartNew();
                    int offsets = ReadOffsets(crashed);
                    Console.WriteLine($"offsets: reading the crash copy's offsets files alone: {read.Elapsed.TotalMilliseconds:F0} ms, {offsets:N0} committed offsets");
                    await MeasureReopenAsync(crashed, "restart from a crash copy (journal replayed)");
                }
                finally
                {
                    Directory.Delete(crashed, recursive: true);
                }
            }

            Console.WriteLine($"offsets: files after a clean shutdown: {Sizes(directory)}");
            await MeasureReopenAsync(directory, "restart after a clean shutdown");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task MeasureReopenAsync(string directory, string what)
    {
        var reopen = Stopwatch.StartNew();
        await using var engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = directory, MaxLiteSubscriptionsPerClient = PerClient });
        engine.SyncLiteSubscription("probe", "workers", "agents", LiteSyncAction.PartialAdd, ["lite-0"]);
        var batch = await engine.ReceiveLiteAsync("probe", "workers", "agents", 1, TimeSpan.FromSeconds(30), TimeSpan.Zero);
        var elapsed = reopen.Elapsed;
        Console.WriteLine($"offsets: {what}: serving again after {elapsed.TotalSeconds:F2} s ({engine.LiteTopicCount:N0} lite topics, probe received {batch.Count})");
        engine.ClientTerminated("probe");
    }

    /// <summary>Reads the committed offsets of <paramref name="directory"/> as recovery does, and counts them.</summary>
    private static int ReadOffsets(string directory)
    {
        using var checkpoint = new Broker.Consumption.OffsetCheckpoint(directory, TimeProvider.System, long.MaxValue);
        return checkpoint.Load().Offsets.Count;
    }

    /// <summary>Bytes this process passed to write calls so far (<c>wchar</c> of /proc/self/io).</summary>
    private static long WrittenBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/io"))
        {
            if (line.StartsWith("wchar:", StringComparison.Ordinal))
            {
                return long.Parse(line["wchar:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static string Sizes(string directory) =>
        string.Join(", ", Directory.GetFiles(directory, "offsets*").Order(StringComparer.Ordinal)
            .Select(path => $"{Path.GetFileName(path)} {new FileInfo(path).Length / 1048576.0:F1} MiB"));
}
