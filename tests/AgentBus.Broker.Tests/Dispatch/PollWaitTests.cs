using AgentBus.Broker.Dispatch;
using Microsoft.Extensions.Time.Testing;

namespace AgentBus.Broker.Tests.Dispatch;

public sealed class PollWaitTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_wait_times_out_at_its_deadline_and_leaves_the_signal()
    {
        var time = new FakeTimeProvider();
        var waits = new PollWaits(time, CancellationToken.None);
        var signal = new WakeSignal();

        var wait = waits.WaitAsync(signal, signal.Pulses, TimeSpan.FromSeconds(1), CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(wait.IsCompleted);
        Assert.Equal(1, signal.Waiting);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(PollWaitOutcome.TimedOut, await wait.AsTask().WaitAsync(Guard));
        Assert.Equal(0, signal.Waiting); // an idle consumer's repeated long polls leave nothing behind
    }

    [Fact]
    public async Task A_pulse_wakes_every_wait_enlisted_then()
    {
        var waits = new PollWaits(new FakeTimeProvider(), CancellationToken.None);
        var signal = new WakeSignal();
        var first = waits.WaitAsync(signal, signal.Pulses, TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();
        var second = waits.WaitAsync(signal, signal.Pulses, TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();

        signal.Pulse();

        Assert.Equal([PollWaitOutcome.Signaled, PollWaitOutcome.Signaled], await Task.WhenAll(first, second).WaitAsync(Guard));
        Assert.Equal(0, signal.Waiting);
    }

    [Fact]
    public async Task Cancellation_and_shutdown_end_a_wait()
    {
        using var closing = new CancellationTokenSource();
        using var caller = new CancellationTokenSource();
        var waits = new PollWaits(new FakeTimeProvider(), closing.Token);
        var signal = new WakeSignal();

        var canceled = waits.WaitAsync(signal, signal.Pulses, TimeSpan.FromSeconds(30), caller.Token).AsTask();
        await caller.CancelAsync();
        Assert.Equal(PollWaitOutcome.Canceled, await canceled.WaitAsync(Guard));

        // A token cancelled before the wait ends it at once.
        Assert.Equal(PollWaitOutcome.Canceled, await waits.WaitAsync(signal, signal.Pulses, TimeSpan.FromSeconds(30), caller.Token).AsTask().WaitAsync(Guard));

        var closed = waits.WaitAsync(signal, signal.Pulses, TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();
        await closing.CancelAsync();
        Assert.Equal(PollWaitOutcome.Closing, await closed.WaitAsync(Guard));
        Assert.Equal(0, signal.Waiting);
    }

    [Fact]
    public async Task A_reused_wait_is_not_ended_by_the_previous_signal_or_timer()
    {
        var time = new FakeTimeProvider();
        var waits = new PollWaits(time, CancellationToken.None);
        var old = new WakeSignal();
        var current = new WakeSignal();

        // Ended by a pulse with its 1 s timer armed; then pooled and reused (one instance in the pool).
        var first = waits.WaitAsync(old, old.Pulses, TimeSpan.FromSeconds(1), CancellationToken.None);
        old.Pulse();
        Assert.Equal(PollWaitOutcome.Signaled, await first.AsTask().WaitAsync(Guard));

        var second = waits.WaitAsync(current, current.Pulses, TimeSpan.FromSeconds(10), CancellationToken.None);
        old.Pulse();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(second.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(PollWaitOutcome.TimedOut, await second.AsTask().WaitAsync(Guard));
    }

    [Fact]
    public async Task Pulses_racing_timeouts_end_every_wait_once()
    {
        var waits = new PollWaits(TimeProvider.System, CancellationToken.None);
        var signal = new WakeSignal();
        using var stop = new CancellationTokenSource();
        var pulser = Task.Run(async () =>
        {
            for (int i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
            {
                signal.Pulse();
                if (i % 64 == 0)
                {
                    await Task.Yield();
                }
            }
        });

        var outcomes = new int[4];
        var rounds = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < 500; i++)
            {
                var outcome = await waits.WaitAsync(signal, signal.Pulses, TimeSpan.FromMilliseconds(i % 3), CancellationToken.None).AsTask().WaitAsync(Guard);
                Interlocked.Increment(ref outcomes[(int)outcome]);
            }
        })).ToArray();

        await Task.WhenAll(rounds).WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await pulser.WaitAsync(Guard);

        Assert.Equal(2_000, outcomes[(int)PollWaitOutcome.Signaled] + outcomes[(int)PollWaitOutcome.TimedOut]);
        Assert.Equal(0, signal.Waiting);
    }
}
