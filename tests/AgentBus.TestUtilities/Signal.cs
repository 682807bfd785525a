namespace AgentBus.TestUtilities;

/// <summary>
/// A one-shot signal a test awaits with a timeout instead of sleeping: a handler or callback calls <see cref="Set"/>,
/// the test awaits <see cref="WaitAsync"/>. Continuations run asynchronously, so the code that sets it never runs the
/// test's continuation inline.
/// </summary>
public sealed class Signal
{
    private readonly TaskCompletionSource _set = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether <see cref="Set"/> was called.</summary>
    public bool IsSet => _set.Task.IsCompleted;

    /// <summary>Sets the signal; later calls do nothing.</summary>
    public void Set() => _set.TrySetResult();

    /// <summary>Waits for the signal, failing the test when it does not come within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; <see cref="Eventually.DefaultTimeout"/> when null.</param>
    /// <param name="what">What the test waited for, shown when it times out.</param>
    /// <returns>A task that completes once the signal is set.</returns>
    public Task WaitAsync(TimeSpan? timeout = null, string? what = null) => Eventually.CompletesAsync(_set.Task, timeout, what ?? "The signal was not set in time.");
}
