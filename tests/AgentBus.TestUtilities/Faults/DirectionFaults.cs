namespace AgentBus.TestUtilities;

/// <summary>
/// The faults set on one direction of a <see cref="FaultProxy"/>, shared by all its connections: a delay per
/// forwarded read, a stall gate, an armed cut after a number of bytes, and the bytes forwarded so far.
/// </summary>
internal sealed class DirectionFaults
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _stalled;
    private long _delayTicks;
    private long _bytes;
    private long _held;
    private CutArm? _cut;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Bytes read from a source and not forwarded yet (behind a stall or a delay).</summary>
    public long Held => Interlocked.Read(ref _held);

    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    public bool IsStalled
    {
        get
        {
            lock (_gate)
            {
                return _stalled is not null;
            }
        }
    }

    public void Stall()
    {
        lock (_gate)
        {
            _stalled ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume()
    {
        TaskCompletionSource? stalled;
        lock (_gate)
        {
            stalled = _stalled;
            _stalled = null;
        }

        stalled?.TrySetResult();
    }

    /// <summary>Completes at once unless the direction is stalled; then when it is resumed (or <paramref name="ct"/> fires).</summary>
    public Task WaitUntilFlowingAsync(CancellationToken ct)
    {
        Task? stalled;
        lock (_gate)
        {
            stalled = _stalled?.Task;
        }

        return stalled is null ? Task.CompletedTask : stalled.WaitAsync(ct);
    }

    /// <summary>Arms a cut after <paramref name="bytes"/> more bytes; a cut armed before is replaced (and completes as cancelled).</summary>
    public Task ArmCut(long bytes, CutMode mode)
    {
        var arm = new CutArm(bytes, mode);
        CutArm? replaced;
        lock (_gate)
        {
            replaced = _cut;
            _cut = arm;
        }

        replaced?.Done.TrySetCanceled();
        return arm.Done.Task;
    }

    /// <summary>
    /// How many of <paramref name="available"/> bytes a connection may forward now; <paramref name="cut"/> is set when
    /// they exhaust an armed cut, which the caller then carries out after forwarding them.
    /// </summary>
    public int Take(int available, out CutArm? cut)
    {
        lock (_gate)
        {
            cut = null;
            if (_cut is not { } arm)
            {
                return available;
            }

            int allowed = (int)Math.Min(available, arm.Remaining);
            arm.Remaining -= allowed;
            if (arm.Remaining == 0)
            {
                cut = arm;
                _cut = null;
            }

            return allowed;
        }
    }

    public void Read(int count) => Interlocked.Add(ref _held, count);

    /// <summary>Counts <paramref name="forwarded"/> of <paramref name="read"/> bytes as forwarded and all of them as no longer held.</summary>
    public void Forwarded(int read, int forwarded)
    {
        Interlocked.Add(ref _held, -read);
        Interlocked.Add(ref _bytes, forwarded);
    }

    /// <summary>Drops an armed cut and lets stalled pumps go (the proxy is closing).</summary>
    public void Release()
    {
        CutArm? arm;
        lock (_gate)
        {
            arm = _cut;
            _cut = null;
        }

        arm?.Done.TrySetCanceled();
        Resume();
    }

    internal sealed class CutArm(long bytes, CutMode mode)
    {
        public long Remaining { get; set; } = bytes;

        public CutMode Mode { get; } = mode;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
