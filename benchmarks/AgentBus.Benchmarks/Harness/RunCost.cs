using System.Diagnostics;
using System.Globalization;

namespace AgentBus.Benchmarks.Harness;

/// <summary>Starts measuring what a part of a run costs the whole process (load generator, clients and an embedded broker together).</summary>
internal readonly struct CostMeter
{
    private readonly long _started;
    private readonly TimeSpan _cpu;
    private readonly long _allocated;
    private readonly int _gen0;

    private CostMeter(long started, TimeSpan cpu, long allocated, int gen0)
    {
        _started = started;
        _cpu = cpu;
        _allocated = allocated;
        _gen0 = gen0;
    }

    public static CostMeter Start() =>
        new(Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(), GC.CollectionCount(0));

    /// <summary>The 1-, 5- and 15-minute load averages of the machine, as the kernel reports them.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

    public RunCost Stop(long operations) => new(operations, Stopwatch.GetElapsedTime(_started),
        (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalMicroseconds, GC.GetTotalAllocatedBytes() - _allocated, GC.CollectionCount(0) - _gen0);
}

/// <summary>Wall time, process CPU, bytes allocated and gen0 collections of <see cref="Operations"/> operations.</summary>
internal sealed record RunCost(long Operations, TimeSpan Elapsed, double CpuMicros, long AllocatedBytes, int Gen0Collections)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;

    /// <summary>The median of the figures of several rounds.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public string PerOperation(string unit) => string.Create(CultureInfo.InvariantCulture,
        $"{CpuMicros / Operations:F1} us CPU and {AllocatedBytes / (double)Operations:N0} B allocated per {unit}, {Gen0Collections} gen0 GCs");
}
