using System.Diagnostics;

namespace AgentBus.TestUtilities;

/// <summary>Bounded waits that fail the test with a message when time runs out; never a fixed sleep.</summary>
public static class Eventually
{
    /// <summary>How long a wait lasts unless the test says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, checking it every few milliseconds. For state a test cannot be
    /// signalled about (the broker's offsets, a client's subscriptions); await a task or a <see cref="Signal"/> instead
    /// when there is one.
    /// </summary>
    /// <param name="condition">Checked until it returns true.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="what">What the test waited for, shown when it times out.</param>
    /// <returns>A task that completes once the condition held.</returns>
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var timer = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(timer.Elapsed < limit, what ?? "Condition not met in time.");
            await Task.Delay(5);
        }
    }

    /// <summary>As <see cref="TrueAsync(Func{bool}, TimeSpan?, string?)"/>, for a condition that is read asynchronously (an HTTP scrape, a call).</summary>
    /// <param name="condition">Checked until it returns true.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="what">What the test waited for, shown when it times out.</param>
    /// <returns>A task that completes once the condition held.</returns>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var timer = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            Assert.True(timer.Elapsed < limit, what ?? "Condition not met in time.");
            await Task.Delay(5);
        }
    }

    /// <summary>Waits for <paramref name="task"/> to complete, failing the test when it takes longer than <paramref name="timeout"/>.</summary>
    /// <param name="task">The operation or signal to await.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="what">What the test waited for, shown when it times out.</param>
    /// <returns>A task that completes with <paramref name="task"/>.</returns>
    public static async Task CompletesAsync(Task task, TimeSpan? timeout = null, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await task.WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail(what ?? $"Not completed within {timeout ?? DefaultTimeout}.");
        }
    }

    /// <summary>Waits for <paramref name="task"/>'s result, failing the test when it takes longer than <paramref name="timeout"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="task">The operation to await.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="what">What the test waited for, shown when it times out.</param>
    /// <returns>The task's result.</returns>
    public static async Task<T> CompletesAsync<T>(Task<T> task, TimeSpan? timeout = null, string? what = null)
    {
        await CompletesAsync((Task)task, timeout, what);
        return await task;
    }
}
