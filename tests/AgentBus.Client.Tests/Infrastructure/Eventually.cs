using System.Diagnostics;

namespace AgentBus.Client.Tests.Infrastructure;

/// <summary>Waits, bounded, for state a test cannot be signalled about (broker-side state).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var timer = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(timer.Elapsed < limit, what ?? "Condition not met in time.");
            await Task.Delay(5);
        }
    }
}
