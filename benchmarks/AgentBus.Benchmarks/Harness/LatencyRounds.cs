using System.Diagnostics;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Runs latency rounds one after another: first for a warm-up time (the runtime tiers hot code up for seconds; a
/// count of rounds is not enough), then the measured rounds. Each round returns its own latency in microseconds.
/// </summary>
internal static class LatencyRounds
{
    public static async Task<LatencySummary> RunAsync(int rounds, TimeSpan warmup, Func<Task<double>> round)
    {
        var warming = Stopwatch.StartNew();
        int warmed = 0;
        while (warming.Elapsed < warmup)
        {
            await round();
            warmed++;
        }

        var samples = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            samples[i] = await round();
        }

        Array.Sort(samples);
        return new LatencySummary(samples, warmed);
    }
}

/// <summary>Sorted latency samples in microseconds.</summary>
internal sealed record LatencySummary(double[] Sorted, int WarmupRounds)
{
    public double Percentile(double p) => Sorted[Math.Min(Sorted.Length - 1, (int)(Sorted.Length * p))];

    /// <summary>The median and the tail, without the warm-up count.</summary>
    public string Tail => $"p50 {Percentile(0.50):F0} us, p99 {Percentile(0.99):F0} us, p99.9 {Percentile(0.999):F0} us, max {Sorted[^1]:F0} us";

    /// <summary>The samples of several runs as one.</summary>
    public static LatencySummary Merge(IEnumerable<LatencySummary> runs)
    {
        var all = runs.SelectMany(r => r.Sorted).ToArray();
        Array.Sort(all);
        return new LatencySummary(all, 0);
    }

    public override string ToString() =>
        $"p50 {Percentile(0.50):F0} us, p90 {Percentile(0.90):F0} us, p99 {Percentile(0.99):F0} us, max {Sorted[^1]:F0} us (after {WarmupRounds:N0} warm-up rounds)";
}
