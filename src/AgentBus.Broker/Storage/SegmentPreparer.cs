using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Storage;

/// <summary>
/// Background work that keeps appends a plain memory copy: it faults in the pages just ahead of the write position
/// (a first write to an unmapped page otherwise traps into the kernel, which also reads around it), and creates the
/// next segment file (under a <c>.prepared</c> name) before the active one is full, so a roll renames a ready file
/// instead of creating, preallocating and mapping one under the append lock.
/// </summary>
internal sealed class SegmentPreparer
{
    /// <summary>How far ahead of the write position pages are faulted in.</summary>
    public const int Window = 8 << 20;

    /// <summary>Granularity of prefaulting, and how often the writer reports its position.</summary>
    public const int Chunk = 1 << 20;

    private readonly object _gate = new();
    private readonly Func<long, Segment> _create;
    private readonly bool _smallFolios;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private Segment? _active;
    private int _writeOffset;
    private Segment? _prefaulting;
    private int _prefaultedTo;
    private Segment? _next;
    private long _failedBase = -1;
    private long _takenBase = -1;
    private bool _stopRequested;
    private long _idleCount;

    /// <param name="create">Creates the prepared segment file for a base position.</param>
    /// <param name="smallFolios">Advise prepared segments for appending (see <see cref="Segment.AdviseAppending"/>).</param>
    /// <param name="logger">Where a failed preparation is reported (the roll then creates the file itself).</param>
    public SegmentPreparer(Func<long, Segment> create, bool smallFolios, ILogger logger)
    {
        _create = create;
        _smallFolios = smallFolios;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "AgentBus commit log segment preparer" };
    }

    /// <summary>How many times the thread found nothing to do and went idle; lets tests wait for it to settle.</summary>
    internal long IdleCount => Interlocked.Read(ref _idleCount);

    public void Start() => _thread.Start();

    /// <summary>Reports the active segment and write offset; called on roll and every <see cref="Chunk"/> bytes.</summary>
    public void Track(Segment active, int writeOffset)
    {
        lock (_gate)
        {
            _active = active;
            _writeOffset = writeOffset;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Whether the segment for <paramref name="basePosition"/> is prepared and waiting.</summary>
    internal bool HasNext(long basePosition)
    {
        lock (_gate)
        {
            return _next?.BasePosition == basePosition;
        }
    }

    /// <summary>The prepared segment for <paramref name="basePosition"/>, if one is ready; the caller owns it.</summary>
    public Segment? TakeNext(long basePosition)
    {
        lock (_gate)
        {
            var next = _next;
            if (next is null || next.BasePosition != basePosition)
            {
                return null;
            }

            // Until the roll reports the new active segment, the old one still looks like it needs a successor.
            _takenBase = basePosition;
            _next = null;
            return next;
        }
    }

    /// <summary>Stops the thread and deletes a prepared segment that was never used.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopRequested = true;
            Monitor.Pulse(_gate);
        }

        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _next?.Delete();
        _next = null;
    }

    private void Run()
    {
        try
        {
            RunLoop();
        }
        catch (Exception ex)
        {
            // Only an optimisation: without it rolls create segments themselves and pages fault on first write.
            StorageLog.PreparerStopped(_logger, ex);
        }
    }

    private void RunLoop()
    {
        while (true)
        {
            Segment? segment = null;
            Segment? stale = null;
            int from = 0, to = 0;
            long nextBase = -1;
            lock (_gate)
            {
                while (true)
                {
                    if (_stopRequested)
                    {
                        return;
                    }

                    if (_active is { } active)
                    {
                        // Prepared too late: the roll created that segment itself and the writer has moved on.
                        if (_next is not null && _next.BasePosition != active.EndPosition)
                        {
                            stale = _next;
                            _next = null;
                            break;
                        }

                        if (_prefaulting != active)
                        {
                            _prefaulting = active;
                            _prefaultedTo = 0;
                        }

                        // Never behind the writer: pages it already touched are mapped.
                        _prefaultedTo = Math.Max(_prefaultedTo, _writeOffset);
                        var goal = (int)Math.Min(active.Size, (long)_writeOffset + Window);
                        if (_prefaultedTo < goal)
                        {
                            segment = active;
                            from = _prefaultedTo;
                            to = Math.Min(goal, from + Chunk);
                            break;
                        }

                        if (_next is null && _writeOffset >= active.Size / 2
                            && active.EndPosition != _failedBase && active.EndPosition != _takenBase)
                        {
                            segment = active;
                            nextBase = active.EndPosition;
                            break;
                        }
                    }

                    Interlocked.Increment(ref _idleCount);
                    Monitor.Wait(_gate);
                }
            }

            if (stale is not null)
            {
                stale.Delete();
            }
            else if (nextBase >= 0)
            {
                Prepare(nextBase);
            }
            else if (segment!.TryAcquire())
            {
                try
                {
                    segment.Prefault(from, to);
                }
                finally
                {
                    segment.Release();
                }

                lock (_gate)
                {
                    if (_prefaulting == segment)
                    {
                        _prefaultedTo = Math.Max(_prefaultedTo, to);
                    }
                }
            }
            else
            {
                // Closed under us (shutdown); wait for the next report or the stop request.
                lock (_gate)
                {
                    if (_active == segment)
                    {
                        _active = null;
                    }
                }
            }
        }
    }

    private void Prepare(long basePosition)
    {
        Segment created;
        try
        {
            created = _create(basePosition);
            if (_smallFolios)
            {
                created.AdviseAppending();
            }

            created.Prefault(0, Math.Min(created.Size, Window));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The roll will try again itself and report the error to the appender.
            StorageLog.PrepareFailed(_logger, ex, basePosition);
            lock (_gate)
            {
                _failedBase = basePosition;
            }

            return;
        }

        lock (_gate)
        {
            if (!_stopRequested && _next is null && _active?.EndPosition == basePosition)
            {
                _next = created;
                return;
            }
        }

        created.Delete();
    }
}
