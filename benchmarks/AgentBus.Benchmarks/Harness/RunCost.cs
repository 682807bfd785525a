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
    private readonly TimeSpan _paused;
    private readonly long _workItems;
    private readonly long _contentions;

    private CostMeter(long started, TimeSpan cpu, long allocated, int gen0, TimeSpan paused, long workItems, long contentions)
    {
        _started = started;
        _cpu = cpu;
        _allocated = allocated;
        _gen0 = gen0;
        _paused = paused;
        _workItems = workItems;
        _contentions = contentions;
    }

    public static CostMeter Start() =>
        new(Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.GetTotalPauseDuration(),
            ThreadPool.CompletedWorkItemCount, Monitor.LockContentionCount);

    /// <summary>The 1-, 5- and 15-minute load averages of the machine, as the kernel reports them.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

    public RunCost Stop(long operations) => new(operations, Stopwatch.GetElapsedTime(_started),
        (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalMicroseconds, GC.GetTotalAllocatedBytes() - _allocated, GC.CollectionCount(0) - _gen0,
        GC.GetTotalPauseDuration() - _paused, ThreadPool.CompletedWorkItemCount - _workItems, Monitor.LockContentionCount - _contentions);
}

/// <summary>
/// Wall time, process CPU, bytes allocated, gen0 collections, GC pauses, thread-pool work items and contended lock
/// entries of <see cref="Operations"/> operations. Work items count the hops between threads an operation takes.
/// </summary>
internal sealed record RunCost(long Operations, TimeSpan Elapsed, double CpuMicros, long AllocatedBytes, int Gen0Collections, TimeSpan GcPaused,
    long WorkItems, long LockContentions)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;

    /// <summary>The median of the figures of several rounds.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public string PerOperation(string unit) => string.Create(CultureInfo.InvariantCulture,
        $"{CpuMicros / Operations:F1} us CPU and {AllocatedBytes / (double)Operations:N0} B allocated per {unit}, {Gen0Collections} gen0 GCs "
        + $"({GcPaused.TotalMilliseconds / Elapsed.TotalMilliseconds:P1} of the time paused), "
        + $"{WorkItems / (double)Operations:F2} thread-pool work items and {LockContentions / (double)Operations:F3} lock contentions per {unit}");
}
