using System.Diagnostics;
using System.Globalization;
using AgentBus.Benchmarks.Harness.Peers;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// The idle scale against the peers, on fresh servers so their memory is theirs alone: N AgentBus lite topics (one
/// 100 B message and one lite subscription each), N NATS core subscriptions and N Redis streams (one 100 B entry each).
/// Reports each server process's whole resident set per topic (file-backed pages included; anonymous and file-backed
/// apart too) and what it grew by, and the 1-in-flight request/response latency on the same servers before the
/// population and with it.
/// </summary>
internal static partial class PeersScenario
{
    private const int IdleBody = 100;

    private static async Task<IEnumerable<Row>> IdleScaleAsync(Plan plan, byte[] payload, byte[] chunk)
    {
        int count = plan.IdleTopics;
        Console.WriteLine($"idle scale: {count:N0} topics per system on fresh servers; load average {CostMeter.LoadAverage()}");
        await using var servers = await PeerServers.StartIdleAsync();
        await using var ab = await AgentBusPeer.StartAsync(servers.AgentBusAsync, payload, chunk, InFlight);
        await using var nats = await NatsPeer.StartAsync(servers.Nats, payload, chunk);
        await using var redis = await RedisPeer.StartAsync(servers.RedisEverySec, payload, chunk);
        var requests = new Contender[]
        {
            new(AbAsync, servers.AgentBusAsync, "agent layer; request and reply stored in the page cache, fsync within 200 ms", ab.RequestAsync),
            new("NATS core", servers.Nats, "none: in memory, at most once", nats.CoreRequestAsync),
            new("NATS JetStream", servers.Nats, "request and reply each a PubAck (file store, not fsynced per message)", nats.JetStreamRequestAsync),
            new("Redis Streams (everysec)", servers.RedisEverySec, "XADD written to the AOF (page cache), fsync every second", redis.RequestAsync),
        };

        var before = new Dictionary<PeerProcess, ProcessMemory>
        {
            [servers.AgentBusAsync] = ProcessMemory.Of(servers.AgentBusAsync.Pid),
            [servers.Nats] = ProcessMemory.Of(servers.Nats.Pid),
            [servers.RedisEverySec] = ProcessMemory.Of(servers.RedisEverySec.Pid),
        };
        var none = (await LatencyAsync("request/response, 1 in flight, no idle topics", requests, plan)).ToList();

        var body = new byte[IdleBody];
        Random.Shared.NextBytes(body);
        string workload = Invariant($"idle scale, {count:N0} topics");
        var rows = new List<Row>();
        await using var abIdle = await PopulateAsync($"AgentBus: {count:N0} lite topics, a message and a lite subscription each",
            () => IdleTopics.AgentBusAsync(servers.AgentBusAsync, count, body));
        rows.Add(await MemoryRowAsync(workload, AbAsync, servers.AgentBusAsync, before, count,
            Invariant($"{count:N0} lite topics, one {IdleBody} B message and one lite subscription each ({IdleTopics.SubscriptionsPerClient:N0} per LiteSimpleConsumer; quota raised for the run), unconsumed")));
        await using var natsIdle = await PopulateAsync($"NATS: {count:N0} core subscriptions", () => IdleTopics.NatsAsync(servers.Nats, count));
        rows.Add(await MemoryRowAsync(workload, "NATS core", servers.Nats, before, count, Invariant($"{count:N0} core subscriptions (100,000 per connection), no messages")));
        await using var redisIdle = await PopulateAsync($"Redis: {count:N0} streams of one entry", () => IdleTopics.RedisAsync(servers.RedisEverySec, count, body));
        rows.Add(await MemoryRowAsync(workload, "Redis Streams (everysec)", servers.RedisEverySec, before, count, Invariant($"{count:N0} streams, one {IdleBody} B XADD each")));

        var with = (await LatencyAsync(Invariant($"request/response, 1 in flight, {count:N0} idle topics"), requests, plan)).ToList();
        rows.AddRange(none);
        rows.AddRange(with.Select((row, i) => row with { Ack = Invariant($"{row.Ack}; ÷ the same without idle topics: {RatioOf(row, none[i])}") }));
        Console.WriteLine($"  idle scale done; load average {CostMeter.LoadAverage()}");
        return rows;
    }

    private static async Task<IdleTopics> PopulateAsync(string what, Func<Task<IdleTopics>> populate)
    {
        var timer = Stopwatch.StartNew();
        var idle = await populate();
        Console.WriteLine($"  {what}: {timer.Elapsed.TotalSeconds:F1} s");
        return idle;
    }

    /// <summary>The server's memory 5 s after its population: the broker flushes within 200 ms (and releases the flushed pages of its log), the servers settle.</summary>
    private static async Task<Row> MemoryRowAsync(string workload, string system, PeerProcess server, Dictionary<PeerProcess, ProcessMemory> before, int count, string what)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));
        var now = ProcessMemory.Of(server.Pid);
        var empty = before[server];
        var grown = now - empty;
        double perTopic = now.Resident / (double)count;
        string text = Invariant($"**{perTopic:F0} B per topic** of whole-process RSS ({now.Resident / 1048576.0:F0} MiB: anonymous {now.Anonymous / 1048576.0:F0}, file-backed {now.FileBacked / 1048576.0:F0}); grew {grown.Resident / (double)count:F0} B per topic (anonymous {grown.Anonymous / (double)count:F0}, file-backed {grown.FileBacked / (double)count:F0}) from the empty server's {empty.Resident / 1048576.0:F0} MiB");
        Console.WriteLine($"  {system,-26}: {now}; empty {empty}; {perTopic:F0} B per topic");
        return Row.Memory(workload, system, what, perTopic, text);
    }

    private static string RatioOf(Row with, Row none) => with.Latencies is { } a && none.Latencies is { } b
        ? Invariant($"{a.Percentile(0.50) / b.Percentile(0.50):F2}x / {a.Percentile(0.99) / b.Percentile(0.99):F2}x / {a.Percentile(0.999) / b.Percentile(0.999):F2}x")
        : "—";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
