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

    private static Task RunWhileAsync(int workers, Func<bool> more, Func<int, Task> operation) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            while (more())
            {
                await operation(worker);
            }
        }));
}
