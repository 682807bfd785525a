namespace AgentBus.Performance.Tests;

/// <summary>
/// Bytes the whole process allocates per operation, for paths whose work is spread over threads (the gRPC server, the
/// client's receive loop, the agent layer's dispatch). Everything else the process does in the meantime counts too (the
/// broker's timers, the test's own waiting), so each figure is the lowest of a few rounds: noise only ever adds.
/// </summary>
internal static class ProcessAllocations
{
    /// <summary>
    /// Awaits <paramref name="operation"/> <paramref name="warmup"/> times (first calls, connections, lazy state), then
    /// <paramref name="rounds"/> rounds of <paramref name="operations"/> calls, each followed by <paramref name="settle"/>
    /// (work an operation leaves behind, such as a lingering ack), and returns the lowest bytes per operation of a round.
    /// </summary>
    public static async Task<double> PerOperationAsync(int warmup, int operations, int rounds, Func<int, Task> operation,
        Func<Task>? settle = null)
    {
        for (int i = 0; i < warmup; i++)
        {
            await operation(i);
        }

        if (settle is not null)
        {
            await settle();
        }

        double lowest = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < operations; i++)
            {
                await operation(i);
            }

            if (settle is not null)
            {
                await settle();
            }

            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            lowest = Math.Min(lowest, (double)allocated / operations);
        }

        return lowest;
    }
}
