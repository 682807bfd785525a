using System.Diagnostics;

namespace AgentBus.Server.Tests.Infrastructure;

/// <summary>Waits, bounded, for server-side state a test cannot be signalled about.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var timer = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(timer.Elapsed < limit, "Condition not met in time.");
            await Task.Delay(5);
        }
    }
}
