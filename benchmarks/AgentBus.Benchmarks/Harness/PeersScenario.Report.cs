using System.Text;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// The run's table, the targets it is measured against (met or missed, and by how much), and, with
/// <c>--write FILE</c>, the same as a Markdown section in FILE (docs/benchmarks.md) with the machine, the versions and
/// the exact command, replacing the section a previous run wrote there.
/// </summary>
internal static partial class PeersScenario
{
    private const string SectionBegin = "<!-- harness peers: begin (written by `harness peers --write`; replaced on the next run) -->";
    private const string SectionEnd = "<!-- harness peers: end -->";

    /// <summary>One target of the comparison: what it asks, what was measured, and whether that meets it.</summary>
    private sealed record Target(string Goal, double Measured, double Bound, bool AtMost)
    {
        public bool Met => AtMost ? Measured <= Bound : Measured >= Bound;

        /// <summary>"met", or how far off: the measured ratio over the bound, as a factor.</summary>
        public string Verdict => double.IsNaN(Measured)
            ? "not measured in this run"
            : Met ? "**met**" : Invariant($"missed: {(AtMost ? Measured / Bound : Bound / Measured):F2}x off");

        public string Line => Invariant($"| {Goal} | {(double.IsNaN(Measured) ? "—" : Invariant($"{Measured:F2}"))} | {(AtMost ? "≤" : "≥")} {Bound:0.##} | {Verdict} |");
    }

    private static List<Target> Targets(List<Row> rows)
    {
        Row? Find(string workloadPrefix, string system) =>
            rows.FirstOrDefault(r => r.Workload.StartsWith(workloadPrefix, StringComparison.Ordinal) && r.System == system);

        double Rate(string workload, string system) => Find(workload, system) is { } r ? r.Rate : double.NaN;

        const string Rr1 = "request/response, 1 in flight";
        const string Rr64 = "request/response, 64 in flight";
        const string Publish = "durable publish, 64 in flight";
        double bestDurable = Math.Max(Rate(Rr64, "NATS JetStream"), Rate(Rr64, "Redis Streams (everysec)"));
        var idle = rows.FirstOrDefault(r => r.Workload.StartsWith("idle scale", StringComparison.Ordinal) && r.System == AbAsync);
        var none = rows.FirstOrDefault(r => r.Workload == Rr1 + ", no idle topics" && r.System == AbAsync);
        var with = rows.FirstOrDefault(r => r.Workload.StartsWith(Rr1 + ", ", StringComparison.Ordinal) && r.Workload.EndsWith(" idle topics", StringComparison.Ordinal)
            && r.Workload != Rr1 + ", no idle topics" && r.System == AbAsync);
        // Latencies of the main rounds only: the idle-scale rounds run on other servers.
        double P(string system, double percentile) => rows.FirstOrDefault(r => r.Workload == Rr1 && r.System == system)?.Latencies is { } l ? l.Percentile(percentile) : double.NaN;

        return
        [
            new("request/response 1 in flight, p50 ÷ NATS core", P(AbAsync, 0.50) / P("NATS core", 0.50), 1.0, AtMost: true),
            new("request/response 1 in flight, p99 ÷ NATS core", P(AbAsync, 0.99) / P("NATS core", 0.99), 1.5, AtMost: true),
            new("request/response 1 in flight, p50 ÷ NATS JetStream", P(AbAsync, 0.50) / P("NATS JetStream", 0.50), 0.5, AtMost: true),
            new("request/response 1 in flight, p50 ÷ Redis Streams (everysec)", P(AbAsync, 0.50) / P("Redis Streams (everysec)", 0.50), 0.5, AtMost: true),
            new("request/response 64 in flight ÷ NATS core", Rate(Rr64, AbAsync) / Rate(Rr64, "NATS core"), 0.5, AtMost: false),
            new("request/response 64 in flight ÷ the best durable peer", Rate(Rr64, AbAsync) / bestDurable, 1.5, AtMost: false),
            new("sync flush request/response p50 ÷ Redis Streams (always)", P(AbSync, 0.50) / P("Redis Streams (always)", 0.50), 0.8, AtMost: true),
            new("durable publish 64 in flight (async) ÷ JetStream", Rate(Publish, AbAsync) / Rate(Publish, "NATS JetStream"), 1.5, AtMost: false),
            new("durable publish 64 in flight (group-commit fsync) ÷ JetStream", Rate(Publish, AbSync) / Rate(Publish, "NATS JetStream"), 1.0, AtMost: false),
            new("idle scale: bytes of whole-process RSS per idle lite topic", idle?.Rate ?? double.NaN, 512, AtMost: true),
            new("request/response p50 with the idle topics ÷ without", with?.Latencies is { } w && none?.Latencies is { } n ? w.Percentile(0.50) / n.Percentile(0.50) : double.NaN, 1.1, AtMost: true),
        ];
    }

    private static List<string> TargetLines(List<Row> rows)
    {
        var lines = new List<string> { "| target | measured | goal | |", "| --- | ---: | --- | --- |" };
        lines.AddRange(Targets(rows).Select(t => t.Line));
        return lines;
    }

    /// <summary>Writes the section into <paramref name="path"/>: in place of the one between the markers, or appended.</summary>
    private static void WriteSection(string path, IEnumerable<string> header, List<string> table, List<string> targets)
    {
        var section = new StringBuilder();
        section.AppendLine(SectionBegin);
        foreach (string line in header)
        {
            section.AppendLine(line);
        }

        section.AppendLine();
        foreach (string line in table)
        {
            section.AppendLine(line);
        }

        section.AppendLine();
        section.AppendLine("Against the targets (ratios as in the table; \"off\" is how far the figure is from the goal, as a factor):");
        section.AppendLine();
        foreach (string line in targets)
        {
            section.AppendLine(line);
        }

        section.Append(SectionEnd);
        string text = File.Exists(path) ? File.ReadAllText(path) : "";
        int begin = text.IndexOf(SectionBegin, StringComparison.Ordinal);
        int end = begin < 0 ? -1 : text.IndexOf(SectionEnd, begin, StringComparison.Ordinal);
        text = begin >= 0 && end > begin
            ? string.Concat(text.AsSpan(0, begin), section.ToString(), text.AsSpan(end + SectionEnd.Length))
            : text.TrimEnd() + Environment.NewLine + Environment.NewLine + section + Environment.NewLine;
        File.WriteAllText(path, text);
        Console.WriteLine($"  wrote the table and the targets to {path}");
    }

    /// <summary>What the section says about where it was measured: cores, memory, kernel, runtime, servers, command.</summary>
    private static List<string> MachineLines(string natsVersion, string redisVersion, string command, string loadAtStart, string loadAtEnd, TimeSpan elapsed)
    {
        string kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : Environment.OSVersion.VersionString;
        string memory = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) is { } total
            ? Invariant($"{long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1048576.0:F0} GiB")
            : "?";
        return
        [
            Invariant($"**Run of {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC**: `{command}`, {elapsed.TotalSeconds:F0} s in all."),
            Invariant($"Machine: {Environment.ProcessorCount} cores, {memory}, Linux {kernel}, .NET {Environment.Version}; {natsVersion}; {redisVersion}. Load average {loadAtStart} at the start, {loadAtEnd} at the end (1, 5, 15 min)."),
        ];
    }
}
