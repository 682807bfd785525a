using System.Diagnostics;

namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// Keeps an operation going from a number of concurrent workers, each starting its next operation when the last one
/// finished (a closed loop): for a count of operations in all, or for a time (a warm-up). The operation gets its
/// worker's index, so a worker can own per-caller state.
/// </summary>
internal static class ClosedLoop
{
    public static Task RunAsync(int workers, long operations, Func<int, Task> operation)
    {
        long started = 0;
        return RunWhileAsync(workers, () => Interlocked.Increment(ref started) <= operations, operation);
    }

    public static Task RunForAsync(int workers, TimeSpan duration, Func<int, Task> operation)
    {
        var timer = Stopwatch.StartNew();
        return RunWhileAsync(workers, () => timer.Elapsed < duration, operation);
    }

    /// <summary>
    /// Goes on with the paths in turn until the JIT compiled nothing for <paramref name="quiet"/> (tiered compilation
    /// done with the code the operations run), at most <paramref name="limit"/>: on a loaded machine the optimizing
    /// tier lags by tens of seconds, and a measurement taken meanwhile counts the compiler's CPU as the operation's.
    /// </summary>
    /// <returns>How long it took and whether the JIT went quiet within the limit.</returns>
    public static async Task<(TimeSpan Took, bool Quiet)> WarmUntilJitQuietAsync(int workers, IReadOnlyList<Func<int, Task>> operations,
        TimeSpan quiet, TimeSpan limit)
    {
        var timer = Stopwatch.StartNew();
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        var lastCompile = Stopwatch.StartNew();
        while (timer.Elapsed < limit)
        {
            foreach (var operation in operations)
            {
                await RunForAsync(workers, TimeSpan.FromMilliseconds(500), operation);
            }

            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                lastCompile.Restart();
            }
            else if (lastCompile.Elapsed >= quiet)
            {
                return (timer.Elapsed, true);
            }
        }

        return (timer.Elapsed, false);
    }

    private static Task RunWhileAsync(int workers, Func<bool> more, Func<int, Task> operation) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            while (more())
            {
                await operation(worker);
            }
        }));
}
