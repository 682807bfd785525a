using System.Diagnostics.Tracing;
using System.Globalization;
using System.Reflection;
using AgentBus.Benchmarks.Harness.Peers;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Diagnostics.NETCore.Client;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// `harness flood`: the standalone broker in its own process, flooded past its caps from this one — heartbeats from
/// distinct client ids past Server:MaxClients, lite subscriptions past the per-client and broker-wide quotas, open
/// receives past Server:MaxPendingReceivesPerClient — with the broker's resident memory (VmRSS) read after each phase,
/// while the receives are parked, and after the flooding clients expired, next to the managed heap the broker's GC
/// found live: before each reading the harness has the broker's runtime run a full, blocking collection (an EventPipe
/// session asking for a heap collection, the request `dotnet-gcdump` makes), then reads the heap after that collection
/// from the runtime meter on the broker's Prometheus scrape. Every phase is bounded by its counts and a
/// deadline; refusals are counted by the protocol code the broker answered.
/// </summary>
internal static class FloodScenario
{
    private const string Parent = "bench-flood";
    private const string Group = "bench-flood-group";
    private const int PerClientSubscriptions = 2000;     // Broker:MaxLiteSubscriptionsPerClient (default)
    private const int BrokerSubscriptions = 200_000;     // Broker:MaxLiteSubscriptionsPerBroker, lowered from 2,000,000 to be reached in seconds
    private const int SubscribingClients = 110;          // 110 × 2,000 = 220,000 asked for: past the broker-wide quota
    private const int PendingPerClient = 64;             // Server:MaxPendingReceivesPerClient (default)
    private const int ReceivingClients = 40;
    private const int ExtraReceives = 4;                 // per receiving client, past its cap
    private static readonly TimeSpan ClientExpiry = TimeSpan.FromSeconds(20);
    private static readonly string[] Gauges = ["agentbus_clients", "agentbus_lite_subscriptions", "agentbus_receives_waiting"];

    // The runtime meter (System.Runtime) on the same scrape; each summed over its series (the heap over its generations).
    private const string HeapAfterGc = "dotnet_gc_last_collection_heap_size_bytes";
    private const string Fragmentation = "dotnet_gc_last_collection_heap_fragmentation_size_bytes";
    private const string Committed = "dotnet_gc_last_collection_memory_committed_size_bytes";
    private const string Collections = "dotnet_gc_collections_total";
    private static readonly string[] Runtime = [HeapAfterGc, Fragmentation, Committed];

    public static async Task RunAsync(HarnessOptions options)
    {
        int maxClients = options.Sessions; // --sessions N: Server:MaxClients for the run (default 10,000, the broker's default)
        int floodClients = maxClients + (maxClients / 5);
        int concurrency = options.ConcurrencyGiven ? options.Concurrency : 32;
        // Later rounds show whether memory keeps growing once the earlier rounds' clients expired.
        int rounds = options.Rounds > 0 ? options.Rounds : 3;
        int httpPort = PeerProcess.FreePort();
        await using var broker = await StartBrokerAsync(maxClients, httpPort);
        Console.WriteLine($"flood: broker pid {broker.Pid} on 127.0.0.1:{broker.Port}; Server:MaxClients={maxClients}, " +
            $"Broker:MaxLiteSubscriptionsPerBroker={BrokerSubscriptions}, Broker:ClientExpiry={ClientExpiry.TotalSeconds}s");

        var channels = Enumerable.Range(0, 8).Select(_ => E2eClient.Channel($"127.0.0.1:{broker.Port}")).ToArray();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(30) };
            var warm = new E2eClient(channels[0], "flood-warmup");
            await warm.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, warm.Options(TimeSpan.FromSeconds(10)));
            await Task.Delay(TimeSpan.FromSeconds(2));
            await ReportAsync("idle (one client)", broker.Pid, null, http);
            for (int round = 1; round <= rounds; round++)
            {
                Console.WriteLine($"flood: round {round} of {rounds} (new client ids)");
                await FloodOnceAsync(round, floodClients, concurrency, channels, broker.Pid, http);
            }
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    /// <summary>One flood of every kind, then idle until the flooding clients expired.</summary>
    private static async Task FloodOnceAsync(int round, int floodClients, int concurrency, GrpcChannel[] channels, int pid, HttpClient http)
    {
        string ClientId(int index) => $"flood-r{round}-client-{index:D6}@harness";

        // 1. Heartbeats from distinct client ids, 20 % more than the broker admits.
        var heartbeats = await ForEachAsync(floodClients, concurrency, async i =>
        {
            var client = new E2eClient(channels[i % channels.Length], ClientId(i));
            var reply = await client.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.LitePushConsumer, Group = new Resource { Name = Group } },
                client.Options(TimeSpan.FromSeconds(30)));
            return reply.Status.Code;
        });
        await ReportAsync($"{floodClients:N0} heartbeats, distinct client ids", pid, heartbeats, http);

        // 2. Lite subscriptions: each of the first clients fills its quota with distinct lite topics, then asks for one more.
        var subscriptions = await ForEachAsync(SubscribingClients * 2, Math.Min(concurrency, 8), async i =>
        {
            int clientIndex = i / 2;
            var client = new E2eClient(channels[clientIndex % channels.Length], ClientId(clientIndex));
            var request = new SyncLiteSubscriptionRequest
            {
                Action = LiteSubscriptionAction.PartialAdd,
                Topic = new Resource { Name = Parent },
                Group = new Resource { Name = Group },
            };
            if (i % 2 == 0)
            {
                request.LiteTopicSet.AddRange(Enumerable.Range(0, PerClientSubscriptions).Select(n => $"c{clientIndex}-lite-{n}"));
            }
            else
            {
                request.LiteTopicSet.Add($"c{clientIndex}-one-more");
            }

            var reply = await client.Stub.SyncLiteSubscriptionAsync(request, client.Options(TimeSpan.FromSeconds(60)));
            return reply.Status.Code;
        }, run: 2);
        await ReportAsync($"{SubscribingClients} clients × ({PerClientSubscriptions:N0} + 1) lite subscriptions", pid, subscriptions, http);

        // 3. Open receives: every receiving client opens its cap and a few more long polls on its subscribed lite topics.
        using var stop = new CancellationTokenSource();
        var refusedAtOnce = new Dictionary<Code, int>();
        int parked = 0;
        var polls = new List<Task>();
        for (int c = 0; c < ReceivingClients; c++)
        {
            var client = new E2eClient(channels[c % channels.Length], ClientId(c));
            for (int r = 0; r < PendingPerClient + ExtraReceives; r++)
            {
                polls.Add(PollAsync(client, code =>
                {
                    lock (refusedAtOnce)
                    {
                        refusedAtOnce[code] = refusedAtOnce.GetValueOrDefault(code) + 1;
                    }
                }, () => Interlocked.Increment(ref parked), stop.Token));
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(5));
        Dictionary<Code, int> answered;
        lock (refusedAtOnce)
        {
            answered = new Dictionary<Code, int>(refusedAtOnce);
        }

        await ReportAsync($"{ReceivingClients} clients × {PendingPerClient + ExtraReceives} open receives ({Volatile.Read(ref parked)} sent, " +
            $"{polls.Count - answered.Values.Sum()} parked)", pid, answered, http);
        stop.Cancel();
        await Task.WhenAll(polls);

        // 4. The flooding clients stop; once they expire the broker drops their entries and subscriptions.
        await Task.Delay(ClientExpiry + TimeSpan.FromSeconds(15));
        await ReportAsync($"after the clients expired ({(ClientExpiry + TimeSpan.FromSeconds(15)).TotalSeconds:0} s idle)", pid, null, http);

        // The expired slots are free again: a new client is admitted.
        var late = new E2eClient(channels[0], $"flood-r{round}-late-client");
        var lateReply = await late.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, late.Options(TimeSpan.FromSeconds(10)));
        Console.WriteLine($"flood: a new client after expiry is answered {lateReply.Status.Code}");
    }

    private static async Task PollAsync(E2eClient client, Action<Code> answered, Action sent, CancellationToken stop)
    {
        var request = new ReceiveMessageRequest
        {
            Group = new Resource { Name = Group },
            MessageQueue = new MessageQueue { Topic = new Resource { Name = Parent }, Id = -1 },
            BatchSize = 1,
            InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            LongPollingTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(25)),
        };
        var callOptions = client.Options(TimeSpan.FromSeconds(40)).WithCancellationToken(stop);
        try
        {
            using var call = client.Stub.ReceiveMessage(request, callOptions);
            sent();
            while (await call.ResponseStream.MoveNext(stop))
            {
                if (call.ResponseStream.Current.ContentCase == ReceiveMessageResponse.ContentOneofCase.Status)
                {
                    answered(call.ResponseStream.Current.Status.Code);
                    return;
                }
            }
        }
        catch (RpcException) when (stop.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Makes calls 0..<paramref name="count"/> from <paramref name="concurrency"/> workers and counts the codes answered.
    /// A worker takes <paramref name="run"/> consecutive calls at a time and makes them in order (a client's "one more"
    /// must follow its full request). Bounded by five minutes.
    /// </summary>
    private static async Task<Dictionary<Code, int>> ForEachAsync(int count, int concurrency, Func<int, Task<Code>> call, int run = 1)
    {
        var codes = new Dictionary<Code, int>();
        int next = -1;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        async Task WorkerAsync()
        {
            for (int first = Interlocked.Increment(ref next) * run; first < count && DateTime.UtcNow < deadline; first = Interlocked.Increment(ref next) * run)
            {
                for (int i = first; i < Math.Min(first + run, count); i++)
                {
                    Code code = await call(i);
                    lock (codes)
                    {
                        codes[code] = codes.GetValueOrDefault(code) + 1;
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => WorkerAsync()));
        return codes;
    }

    private static async Task ReportAsync(string phase, int pid, IReadOnlyDictionary<Code, int>? codes, HttpClient http)
    {
        string answers = codes is null ? "" : "; answered " + string.Join(", ", codes.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value:N0}"));
        await CollectAsync(pid, http);
        string text = await http.GetStringAsync("metrics");
        var sums = Sum(text, [.. Gauges, .. Runtime]);
        string gauges = string.Join(", ", Gauges.Select(name => $"{name} {sums[name]:N0}"));
        const double MiB = 1024 * 1024;
        string heap = $"heap after a full GC {sums[HeapAfterGc] / MiB:F1} MiB (fragmentation {sums[Fragmentation] / MiB:F1} MiB, " +
            $"GC committed {sums[Committed] / MiB:F1} MiB; collections gen0/gen1/gen2 {Series(text, Collections, "gen0")}/" +
            $"{Series(text, Collections, "gen1")}/{Series(text, Collections, "gen2")})";
        Console.WriteLine($"flood: {phase}: broker RSS {ResidentMiB(pid):F1} MiB, {heap}{answers}; broker reports {gauges}");
    }

    /// <summary>
    /// Has the broker run a full blocking collection: the runtime collects when an EventPipe session enables the
    /// GCHeapCollect keyword. Returns once the scrape counts one more gen2 collection (bounded by 20 s).
    /// </summary>
    private static async Task CollectAsync(int pid, HttpClient http)
    {
        const long GcHeapCollectKeyword = 0x800000;
        long before = long.Parse(Series(await http.GetStringAsync("metrics"), Collections, "gen2"), CultureInfo.InvariantCulture);
        var client = new DiagnosticsClient(pid);
        using (var session = client.StartEventPipeSession(
                   [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcHeapCollectKeyword)], requestRundown: false))
        {
            var drain = session.EventStream.CopyToAsync(Stream.Null);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                string gen2 = Series(await http.GetStringAsync("metrics"), Collections, "gen2");
                if (long.Parse(gen2, CultureInfo.InvariantCulture) > before)
                {
                    break;
                }
            }

            session.Stop();
            await drain;
        }
    }

    /// <summary>Each metric of the scrape <paramref name="text"/> summed over its series.</summary>
    private static Dictionary<string, double> Sum(string text, string[] names)
    {
        var sums = names.ToDictionary(name => name, _ => 0.0);
        foreach (string line in text.Split('\n'))
        {
            foreach (string name in names)
            {
                if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
                {
                    sums[name] += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                }
            }
        }

        return sums;
    }

    /// <summary>The value of the series of <paramref name="name"/> for one GC generation.</summary>
    private static string Series(string text, string name, string generation)
    {
        string prefix = name + "{";
        string label = $"gc_heap_generation=\"{generation}\"";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal));
        return line is null ? "?" : line[(line.LastIndexOf(' ') + 1)..].Trim();
    }

    /// <summary>VmRSS of the process, from /proc.</summary>
    private static double ResidentMiB(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    private static Task<PeerProcess> StartBrokerAsync(int maxClients, int httpPort)
    {
        string host = typeof(FloodScenario).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AgentBusServerHost").Value!;
        if (!File.Exists(host))
        {
            throw new FileNotFoundException($"The standalone broker is not built at {host}; build benchmarks/AgentBus.Benchmarks in the same configuration.", host);
        }

        string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
        return PeerProcess.StartAsync("flood", "dotnet", (port, dir) =>
            [
                host,
                "--Server:Address=127.0.0.1", $"--Server:Port={Text(port)}", $"--Broker:DataDirectory={Path.Combine(dir, "data")}",
                $"--Server:MaxClients={Text(maxClients)}",
                "--Server:Http:Enabled=true", "--Server:Http:Address=127.0.0.1", $"--Server:Http:Port={Text(httpPort)}",
                $"--Broker:MaxLiteSubscriptionsPerBroker={Text(BrokerSubscriptions)}",
                $"--Broker:ClientExpiry={ClientExpiry:c}", "--Broker:ClientScanInterval=00:00:05",
                $"--Broker:Topics:0:Name={Parent}", "--Broker:Topics:0:MessageType=Lite",
                $"--Broker:Groups:0:Name={Group}", $"--Broker:Groups:0:BindTopic={Parent}",
                "--Logging:LogLevel:Default=Warning",
            ],
            new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" });
    }
}
