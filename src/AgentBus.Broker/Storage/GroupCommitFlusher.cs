using System.Diagnostics;
using AgentBus.Broker.Errors;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Storage;

/// <summary>
/// The single flusher thread. It fsyncs when a waiter asks for it (group commit: every waiter that registered before
/// the fsync started shares it) and otherwise every flush interval. fsync blocks, so it runs on a dedicated thread
/// rather than on the thread pool.
/// </summary>
internal sealed class GroupCommitFlusher
{
    private readonly object _gate = new();
    private readonly Func<long> _writePosition;
    private readonly Action<long, long> _flush;
    private readonly long _intervalTicks;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FlushGeneration _next = new();
    private long _durable;
    private long _flushCount;
    private bool _stopRequested;
    private bool _hasExited;
    private bool _idle;
    private bool _releasing;
    private Exception? _failure;
    private readonly Action _onReleased;
    private Action<long, TimeSpan>? _flushed;

    /// <param name="writePosition">Current end of the log.</param>
    /// <param name="flush">fsyncs the log between the two positions (and records the checkpoint); throws on I/O failure.</param>
    /// <param name="interval">Period of the background flush.</param>
    /// <param name="durablePosition">Position already durable when the flusher starts.</param>
    /// <param name="logger">Where flush failures are reported.</param>
    public GroupCommitFlusher(Func<long> writePosition, Action<long, long> flush, TimeSpan interval, long durablePosition, ILogger logger)
    {
        _writePosition = writePosition;
        _flush = flush;
        _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        _durable = durablePosition;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "AgentBus commit log flusher" };
        _onReleased = OnReleased;
    }

    public long DurablePosition => Volatile.Read(ref _durable);

    /// <summary>Number of fsync rounds that wrote something; lets tests observe group commit.</summary>
    public long FlushCount => Interlocked.Read(ref _flushCount);

    /// <summary>Told the bytes and the time of each fsync round that wrote something, on the flusher thread; must not block.</summary>
    public Action<long, TimeSpan>? Flushed
    {
        get => Volatile.Read(ref _flushed);
        set => Volatile.Write(ref _flushed, value);
    }

    /// <summary>The fsync failure that stopped the log, if any.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    public void Start() => _thread.Start();

    /// <summary>
    /// Completes once everything below <paramref name="endPosition"/> is fsynced. <paramref name="urgent"/> wakes the
    /// flusher now; otherwise the waiter rides on the next periodic flush.
    /// </summary>
    public ValueTask WaitAsync(long endPosition, bool urgent, CancellationToken cancellationToken)
    {
        if (endPosition <= Volatile.Read(ref _durable))
        {
            return ValueTask.CompletedTask;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        Task task;
        lock (_gate)
        {
            if (endPosition <= _durable)
            {
                return ValueTask.CompletedTask;
            }

            if (_failure is not null)
            {
                return ValueTask.FromException(Unavailable(_failure));
            }

            if (_hasExited)
            {
                return ValueTask.FromException(new ObjectDisposedException(nameof(CommitLog)));
            }

            var generation = _next;
            generation.HasWaiters = true;
            if (urgent && !generation.Urgent)
            {
                generation.Urgent = true;
                if (_idle)
                {
                    Monitor.Pulse(_gate);
                }
            }

            task = generation.Task;
        }

        return cancellationToken.CanBeCanceled ? new ValueTask(task.WaitAsync(cancellationToken)) : new ValueTask(task);
    }

    /// <summary>Flushes everything written so far, completes all waiters and ends the thread. The caller must have stopped appends.</summary>
    public void Stop()
    {
        RequestStop();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    /// <inheritdoc cref="Stop"/>
    public Task StopAsync()
    {
        RequestStop();
        return _thread.IsAlive ? _exited.Task : Task.CompletedTask;
    }

    private void RequestStop()
    {
        lock (_gate)
        {
            _stopRequested = true;
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        try
        {
            var nextPeriodic = Stopwatch.GetTimestamp() + _intervalTicks;
            while (true)
            {
                FlushGeneration? generation = null;
                long target;
                bool stopping;
                lock (_gate)
                {
                    while (!_stopRequested && !_next.Urgent)
                    {
                        var remaining = nextPeriodic - Stopwatch.GetTimestamp();
                        if (remaining <= 0)
                        {
                            break;
                        }

                        _idle = true;
                        Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Ceiling(remaining * 1000.0 / Stopwatch.Frequency)));
                        _idle = false;
                    }

                    // Group commit: the waiters the previous fsync released are appending again right now, their
                    // continuations running on one pool thread. Let them finish joining this generation so they share
                    // one fsync instead of trickling into two; bounded, in case a continuation blocks.
                    if (!_stopRequested && _releasing)
                    {
                        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 1000);
                        while (_releasing && !_stopRequested && Stopwatch.GetTimestamp() < deadline)
                        {
                            Monitor.Wait(_gate, 1);
                        }
                    }

                    stopping = _stopRequested;
                    if (_next.HasWaiters)
                    {
                        generation = _next;
                        _next = new FlushGeneration();
                    }

                    // Read under the gate: every waiter that got `generation` registered after its append was
                    // published, so this target covers it.
                    target = _writePosition();
                    if (stopping)
                    {
                        _hasExited = true;
                    }
                }

                nextPeriodic = Stopwatch.GetTimestamp() + _intervalTicks;
                FlushTo(target, generation);
                if (stopping)
                {
                    // Waiters that registered after the swap above; the final flush already covers them.
                    FlushGeneration? late;
                    lock (_gate)
                    {
                        late = _next.HasWaiters ? _next : null;
                    }

                    FlushTo(target, late);
                    return;
                }
            }
        }
        finally
        {
            _exited.TrySetResult();
        }
    }

    private void FlushTo(long target, FlushGeneration? generation)
    {
        var from = Volatile.Read(ref _durable);
        TimeSpan? elapsed = null;
        if (_failure is null && target > from)
        {
            try
            {
                long started = Stopwatch.GetTimestamp();
                _flush(from, target);
                Interlocked.Increment(ref _flushCount);
                Volatile.Write(ref _durable, target);
                elapsed = Stopwatch.GetElapsedTime(started);
            }
            catch (Exception ex)
            {
                // After a failed fsync the kernel may have dropped the dirty pages; retrying could report success for
                // lost data, so the log stops accepting work instead.
                StorageLog.FlushFailed(_logger, ex);
                lock (_gate)
                {
                    _failure = ex;
                }
            }
        }

        // Outside the try: an observer's failure is no fsync failure.
        if (elapsed is { } duration && Volatile.Read(ref _flushed) is { } flushed)
        {
            flushed(target - from, duration);
        }

        if (generation is null)
        {
            return;
        }

        lock (_gate)
        {
            _releasing = true;
        }

        generation.Release(_failure is { } failure && target > Volatile.Read(ref _durable) ? Unavailable(failure) : null, _onReleased);
    }

    private void OnReleased()
    {
        lock (_gate)
        {
            _releasing = false;
            Monitor.Pulse(_gate);
        }
    }

    internal static BrokerException Unavailable(Exception failure) =>
        new(BrokerErrorCode.Unavailable, "The commit log could not fsync and no longer accepts writes.", failure);
}
