namespace AgentBus.Broker.Tests.Budgets;

/// <summary>
/// Bytes the calling thread allocates per operation, for paths that run start to finish on the caller's thread. The
/// thread's own counter is exact and ignores every other thread, so tests running in parallel do not disturb it.
/// </summary>
internal static class ThreadAllocations
{
    /// <summary>
    /// Runs <paramref name="step"/> until <paramref name="warmup"/> operations are done (first calls, lazy state), then
    /// <paramref name="rounds"/> rounds of at least <paramref name="operations"/> operations each, and returns the
    /// lowest per-operation figure of a round. A step returns how many operations it did (a receive of a batch does
    /// several).
    /// </summary>
    public static double PerOperation(int warmup, int operations, int rounds, Func<int> step)
    {
        Run(warmup, step);
        double lowest = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int done = Run(operations, step);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            lowest = Math.Min(lowest, (double)allocated / done);
        }

        return lowest;
    }

    private static int Run(int operations, Func<int> step)
    {
        int done = 0;
        while (done < operations)
        {
            int did = step();
            if (did <= 0)
            {
                throw new InvalidOperationException($"The measured step did no work after {done} of {operations} operations.");
            }

            done += did;
        }

        return done;
    }
}
