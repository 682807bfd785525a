using Xunit.Abstractions;

namespace AgentBus.Performance.Tests;

internal static class AllocationBudget
{
    /// <summary>Fails when <paramref name="measured"/> bytes per operation exceed the recorded <paramref name="budget"/>.</summary>
    public static void AtMost(ITestOutputHelper output, string operation, double budget, double measured)
    {
        output.WriteLine($"{operation}: {measured:F0} B per operation (budget {budget:F0} B)");
        Assert.True(measured <= budget,
            $"{operation} allocated {measured:F0} B per operation, over its budget of {budget:F0} B. If the increase is " +
            "intended, record the new figure and headroom in the test and in docs/benchmarks.md (Allocation budgets).");
    }
}
