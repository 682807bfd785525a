using System.Diagnostics;
using System.Globalization;
using AgentBus.Benchmarks.Harness.Peers;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// AgentBus next to NATS (core and JetStream) and Redis (Streams) in one run on this machine, each server its own
/// process on loopback, each measured through its own .NET client with the same 1 KB body and the same concurrency:
/// request/response at 1 in flight (latency) and 64 in flight (requests per second), a durable publish at 64 in
/// flight, and a streamed reply of 1,000 chunks of 16 B. Rounds alternate between the systems (the order rotating
/// from round to round), so drift of the shared machine hits all of them. Prints one table with AgentBus's ratio to
/// each peer. Then the idle scale on fresh servers (see PeersScenario.Idle.cs). <c>--quick</c> keeps the whole run
/// around three minutes; <c>--idle-only</c> runs only the idle-scale workloads.
/// </summary>
internal static partial class PeersScenario
{
    private const int Body = 1024;
    private const int ChunkSize = 16;
    private const int InFlight = 64;

    private const string AbAsync = "AgentBus (async flush)";
    private const string AbSync = "AgentBus (sync flush)";

    public static async Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        bool idleOnly = args.Contains("--idle-only");
        int write = Array.IndexOf(args, "--write");
        string? writePath = write >= 0 && write + 1 < args.Length ? args[write + 1] : null;
        if (write >= 0 && writePath is null)
        {
            Console.Error.WriteLine("--write needs a file, e.g. --write docs/benchmarks.md");
            return 2;
        }

        var options = HarnessOptions.Parse(args.Where((a, i) => a is not "--quick" and not "--idle-only" && (write < 0 || (i != write && i != write + 1))).ToArray());
        string command = "dotnet run -c Release --project benchmarks/AgentBus.Benchmarks -- harness peers" + string.Concat(args.Select(a => " " + a));
        string loadAtStart = CostMeter.LoadAverage();
        var plan = new Plan(
            Warmup: TimeSpan.FromSeconds(args.Contains("--warmup-s") ? options.WarmupSeconds : quick ? 2 : 5),
            Rounds: options.Rounds > 0 ? options.Rounds : quick ? 2 : 5,
            LatencyRequests: quick ? 1_000 : 5_000,
            ThroughputRequests: quick ? 5_000 : 30_000,
            Publishes: quick ? 10_000 : 50_000,
            Chunks: options.Chunks,
            Streams: quick ? 10 : 20,
            IdleTopics: args.Contains("--topics") ? options.Topics : quick ? 100_000 : 1_000_000);
        var payload = new byte[Body];
        Random.Shared.NextBytes(payload);
        var chunk = new byte[ChunkSize];
        Random.Shared.NextBytes(chunk);

        var total = Stopwatch.StartNew();
        try
        {
            await using var servers = await PeerServers.StartAsync();
            Console.WriteLine($"peers{(quick ? " --quick" : "")}: {Body} B bodies, {InFlight} in flight for rates, {plan.Rounds} rounds per system alternating, "
                + $"warm-up {plan.Warmup.TotalSeconds:F0} s per system and workload; {Environment.ProcessorCount} cores, load average {CostMeter.LoadAverage()}");
            Console.WriteLine($"  {servers.NatsVersion}; {servers.RedisVersion}; AgentBus standalone broker (src/AgentBus.Server.Host, workstation GC), PIDs "
                + $"agentbus {servers.AgentBusAsync.Pid}/{servers.AgentBusSync.Pid}, nats {servers.Nats.Pid}, redis {servers.RedisEverySec.Pid}/{servers.RedisAlways.Pid}");

            await using var abAsync = await AgentBusPeer.StartAsync(servers.AgentBusAsync, payload, chunk, InFlight);
            await using var abSync = await AgentBusPeer.StartAsync(servers.AgentBusSync, payload, chunk, InFlight);
            await using var nats = await NatsPeer.StartAsync(servers.Nats, payload, chunk);
            await using var redis = await RedisPeer.StartAsync(servers.RedisEverySec, payload, chunk);
            await using var redisAlways = await RedisPeer.StartAsync(servers.RedisAlways, payload, chunk);
            var redisReader = await redis.BlockingReaderAsync(servers.RedisEverySec);

            var requests = new Contender[]
            {
                new(AbAsync, servers.AgentBusAsync, "agent layer; request and reply stored in the page cache, fsync within 200 ms", abAsync.RequestAsync),
                new(AbSync, servers.AgentBusSync, "agent layer; request and reply each fsynced before the send returns", abSync.RequestAsync),
                new("NATS core", servers.Nats, "none: in memory, at most once", nats.CoreRequestAsync),
                new("NATS JetStream", servers.Nats, "request and reply each a PubAck (file store, not fsynced per message); durable consumers, explicit acks", nats.JetStreamRequestAsync),
                new("Redis Streams (everysec)", servers.RedisEverySec, "XADD written to the AOF (page cache), fsync every second; XREADGROUP + XACK", redis.RequestAsync),
                new("Redis Streams (always)", servers.RedisAlways, "XADD fsynced to the AOF before the reply; XREADGROUP + XACK", redisAlways.RequestAsync),
            };
            var publishes = new Contender[]
            {
                new(AbAsync, servers.AgentBusAsync, "send receipt: in the commit log (page cache), fsync within 200 ms", abAsync.PublishAsync),
                new(AbSync, servers.AgentBusSync, "send receipt: fsynced (group commit)", abSync.PublishAsync),
                new("NATS JetStream", servers.Nats, "PubAck: in the stream's file store, not fsynced per message", nats.JetStreamPublishAsync),
                new("Redis XADD (everysec)", servers.RedisEverySec, "reply: written to the AOF (page cache), fsync every second", redis.PublishAsync),
                new("Redis XADD (always)", servers.RedisAlways, "reply: fsynced to the AOF", redisAlways.PublishAsync),
            };
            var streams = new StreamContender[]
            {
                new(AbAsync, servers.AgentBusAsync, "StreamAsync; chunks stored (page cache)", () => abAsync.StreamAsync(plan.Chunks)),
                new("NATS core", servers.Nats, "publishes to an inbox, in memory", () => nats.StreamAsync(plan.Chunks)),
                new("Redis Streams (everysec)", servers.RedisEverySec, "XADD per chunk, read with XREAD BLOCK", () => redis.StreamAsync(plan.Chunks, redisReader)),
            };

            var rows = new List<Row>();
            if (!idleOnly)
            {
                rows.AddRange(await LatencyAsync("request/response, 1 in flight", requests, plan));
                rows.AddRange(await RatesAsync("request/response, 64 in flight", "req/s", requests, plan, plan.ThroughputRequests));
                rows.AddRange(await RatesAsync("durable publish, 64 in flight", "msgs/s", publishes, plan, plan.Publishes));
                rows.AddRange(await StreamsAsync(streams, plan));
            }

            if (plan.IdleTopics > 0)
            {
                rows.AddRange(await IdleScaleAsync(plan, payload, chunk));
            }

            var table = TableLines(rows);
            var targets = TargetLines(rows);
            Console.WriteLine();
            foreach (string line in table)
            {
                Console.WriteLine(line);
            }

            Console.WriteLine();
            foreach (string line in targets)
            {
                Console.WriteLine(line);
            }

            string loadAtEnd = CostMeter.LoadAverage();
            Console.WriteLine($"  load average at the end {loadAtEnd}; whole run {total.Elapsed.TotalSeconds:F0} s");
            if (writePath is not null)
            {
                WriteSection(writePath, MachineLines(servers.NatsVersion, servers.RedisVersion, command, loadAtStart, loadAtEnd, total.Elapsed), table, targets);
            }

            return 0;
        }
        finally
        {
            PeerProcess.StopAll();
        }
    }

    private static async Task<IEnumerable<Row>> LatencyAsync(string workload, Contender[] contenders, Plan plan)
    {
        Console.WriteLine($"{workload}: {plan.Rounds} rounds of {plan.LatencyRequests:N0} requests per system");
        foreach (var c in contenders)
        {
            await ClosedLoop.RunForAsync(1, plan.Warmup, c.Operation);
        }

        var samples = contenders.Select(_ => new List<LatencySummary>()).ToArray();
        await AlternateAsync(contenders.Length, plan.Rounds, async (round, i) =>
        {
            var operation = contenders[i].Operation;
            var summary = await LatencyRounds.RunAsync(plan.LatencyRequests, TimeSpan.Zero, async () =>
            {
                long start = Stopwatch.GetTimestamp();
                await operation(0);
                return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            });
            samples[i].Add(summary);
            Console.WriteLine($"  round {round} {contenders[i].System,-26}: {summary.Tail}");
        });
        var merged = samples.Select(LatencySummary.Merge).ToArray();
        return contenders.Select((c, i) => Row.Latency(workload, c, merged[i]));
    }

    private static async Task<IEnumerable<Row>> RatesAsync(string workload, string unit, Contender[] contenders, Plan plan, int operations)
    {
        Console.WriteLine($"{workload}: {plan.Rounds} rounds of {operations:N0} per system");
        foreach (var c in contenders)
        {
            await ClosedLoop.RunForAsync(InFlight, plan.Warmup, c.Operation);
        }

        var rates = contenders.Select(_ => new List<double>()).ToArray();
        var cpu = new double[contenders.Length];
        await AlternateAsync(contenders.Length, plan.Rounds, async (round, i) =>
        {
            var meter = CostMeter.Start();
            var serverCpu = contenders[i].Server.CpuTime();
            await ClosedLoop.RunAsync(InFlight, operations, contenders[i].Operation);
            double serverMicros = (contenders[i].Server.CpuTime() - serverCpu).TotalMicroseconds / operations;
            var cost = meter.Stop(operations);
            rates[i].Add(cost.PerSecond);
            cpu[i] += (cost.CpuMicros / operations) + serverMicros;
            Console.WriteLine($"  round {round} {contenders[i].System,-26}: {cost.PerSecond,9:N0} {unit}; server {serverMicros:F1} us CPU per op; harness process {cost.PerOperation("op")}");
        });
        return contenders.Select((c, i) => Row.Rated(workload, unit, c.System, c.Ack, RunCost.Median(rates[i]), cpu[i] / plan.Rounds));
    }

    private static async Task<IEnumerable<Row>> StreamsAsync(StreamContender[] contenders, Plan plan)
    {
        const string Workload = "streamed reply, 1,000 × 16 B";
        Console.WriteLine($"streamed reply: {plan.Chunks:N0} chunks of {ChunkSize} B to one reader, {plan.Streams} streams per system, alternating");
        foreach (var c in contenders)
        {
            var warming = Stopwatch.StartNew();
            for (int i = 0; i < 10_000 && warming.Elapsed < plan.Warmup; i++)
            {
                await c.Stream();
            }
        }

        var rates = contenders.Select(_ => new List<double>()).ToArray();
        int streams = plan.Streams;
        var cpu = new double[contenders.Length];
        await AlternateAsync(contenders.Length, streams, async (round, i) =>
        {
            var meter = CostMeter.Start();
            var serverCpu = contenders[i].Server.CpuTime();
            var last = await contenders[i].Stream();
            double serverMicros = (contenders[i].Server.CpuTime() - serverCpu).TotalMicroseconds / plan.Chunks;
            var cost = meter.Stop(plan.Chunks);
            rates[i].Add(plan.Chunks / last.TotalSeconds);
            cpu[i] += (cost.CpuMicros / plan.Chunks) + serverMicros;
            Console.WriteLine($"  round {round} {contenders[i].System,-26}: {rates[i][^1],9:N0} chunks/s (last chunk after {last.TotalMilliseconds:F1} ms); "
                + $"server {serverMicros:F1} us CPU per chunk; harness process {cost.PerOperation("chunk")}");
        });
        string workload = plan.Chunks == 1000 ? Workload : $"streamed reply, {plan.Chunks:N0} × 16 B";
        return contenders.Select((c, i) => Row.Rated(workload, "chunks/s", c.System, c.Ack, RunCost.Median(rates[i]), cpu[i] / streams));
    }

    /// <summary>Round after round, every system once per round, starting one further along each round.</summary>
    private static async Task AlternateAsync(int systems, int rounds, Func<int, int, Task> measure)
    {
        for (int round = 1; round <= rounds; round++)
        {
            for (int k = 0; k < systems; k++)
            {
                await measure(round, (k + round - 1) % systems);
            }
        }
    }

    private static List<string> TableLines(List<Row> rows)
    {
        var lines = new List<string>
        {
            "Ratios are AgentBus's figure divided by the peer's: for latency below 1 means AgentBus is faster, for rates above 1,"
                + " for memory (bytes per topic of the whole server process's RSS) below 1 means AgentBus needs less.",
            "",
            "CPU per op: the harness process (load generator and clients) plus the server process over all rounds, divided by the operations;"
                + " the kernel counts a process's CPU in 10 ms ticks, so a figure under ~1 µs per op in a short run is only a bound.",
            "",
            "| workload | system | figure | CPU per op | AgentBus (async) ÷ this | AgentBus (sync) ÷ this | what an ack means |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var group in rows.GroupBy(r => r.Workload))
        {
            var async = group.Single(r => r.System == AbAsync);
            var sync = group.SingleOrDefault(r => r.System == AbSync);
            foreach (var row in group)
            {
                bool own = row.System is AbAsync or AbSync;
                lines.Add($"| {row.Workload} | {row.System} | {row.Figure} | {row.Cpu} | {(own ? "—" : async.RatioTo(row))} | {(own || sync is null ? "—" : sync.RatioTo(row))} | {row.Ack} |");
            }
        }

        return lines;
    }

    private sealed record Plan(TimeSpan Warmup, int Rounds, int LatencyRequests, int ThroughputRequests, int Publishes, int Chunks, int Streams, int IdleTopics);

    private sealed record Contender(string System, PeerProcess Server, string Ack, Func<int, Task> Operation);

    private sealed record StreamContender(string System, PeerProcess Server, string Ack, Func<Task<TimeSpan>> Stream);

    /// <summary>One system's figure in one workload: a latency distribution or a rate.</summary>
    private sealed record Row(string Workload, string System, string Ack, LatencySummary? Latencies, double Rate, string Unit, double CpuMicros = double.NaN,
        string? Text = null)
    {
        public string Cpu => double.IsNaN(CpuMicros) ? "—" : Invariant($"{CpuMicros:F1} µs");

        public string Figure => Text ?? (Latencies is { } l
            ? Invariant($"p50 {l.Percentile(0.50):F0} µs, p99 {l.Percentile(0.99):F0} µs, p99.9 {l.Percentile(0.999):F0} µs")
            : Invariant($"{Rate:N0} {Unit}"));

        public static Row Latency(string workload, Contender contender, LatencySummary latencies) => new(workload, contender.System, contender.Ack, latencies, 0, "µs");

        /// <summary>A memory figure: <paramref name="perTopic"/> bytes per topic is what the ratios divide.</summary>
        public static Row Memory(string workload, string system, string what, double perTopic, string text) => new(workload, system, what, null, perTopic, "B", Text: text);

        public static Row Rated(string workload, string unit, string system, string ack, double rate, double cpuMicros) => new(workload, system, ack, null, rate, unit, cpuMicros);

        /// <summary>This (an AgentBus row) divided by <paramref name="peer"/>, per percentile for latencies.</summary>
        public string RatioTo(Row peer) => Latencies is { } mine && peer.Latencies is { } theirs
            ? Invariant($"{mine.Percentile(0.50) / theirs.Percentile(0.50):F2}x / {mine.Percentile(0.99) / theirs.Percentile(0.99):F2}x / {mine.Percentile(0.999) / theirs.Percentile(0.999):F2}x")
            : Invariant($"{Rate / peer.Rate:F2}x");

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
