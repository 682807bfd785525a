namespace AgentBus.Client.Consuming;

/// <summary>What a push consumer's listener decided about a message.</summary>
public sealed class ConsumeResult
{
    private ConsumeResult(ConsumeOutcome outcome, TimeSpan suspendTime, TimeSpan? retryDelay = null)
    {
        Outcome = outcome;
        SuspendTime = suspendTime;
        RetryDelay = retryDelay;
    }

    /// <summary>Consumed: the message is acknowledged.</summary>
    public static ConsumeResult Success { get; } = new(ConsumeOutcome.Success, TimeSpan.Zero);

    /// <summary>Not consumed: the message is redelivered after the broker's backoff delay, with its attempt count increased.</summary>
    public static ConsumeResult Failure { get; } = new(ConsumeOutcome.Failure, TimeSpan.Zero);

    /// <summary>
    /// Never consumable (a body that cannot be decoded, say): the message goes to the group's dead-letter queue at
    /// once instead of being redelivered until its attempts run out, so it does not hold back the messages behind it.
    /// </summary>
    public static ConsumeResult DeadLetter { get; } = new(ConsumeOutcome.DeadLetter, TimeSpan.Zero);

    /// <summary>For a failure: how long until the redelivery; null uses the broker's backoff for the attempt.</summary>
    public TimeSpan? RetryDelay { get; }

    /// <summary>
    /// Not consumed: the message is redelivered after <paramref name="delay"/> (zero: at once, to any consumer of the
    /// group) with its attempt count increased — for a listener cut off by its consumer closing, say.
    /// </summary>
    /// <param name="delay">How long until the redelivery, at least zero.</param>
    /// <returns>A failure result with its own delay.</returns>
    public static ConsumeResult Retry(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new ConsumeResult(ConsumeOutcome.Failure, TimeSpan.Zero, delay);
    }

    /// <summary>The outcome.</summary>
    public ConsumeOutcome Outcome { get; }

    /// <summary>How long a suspended lite topic waits; zero otherwise.</summary>
    public TimeSpan SuspendTime { get; }

    /// <summary>
    /// Lite consumers: pause this lite topic for <paramref name="duration"/>. The message (and the ones behind it in the
    /// same lite topic) come back after that time without counting a delivery attempt. Other consumers treat it as a failure.
    /// </summary>
    /// <param name="duration">How long to pause, at least zero.</param>
    /// <returns>A suspend result.</returns>
    public static ConsumeResult Suspend(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new ConsumeResult(ConsumeOutcome.Suspend, duration);
    }

    /// <inheritdoc />
    public override string ToString() => Outcome == ConsumeOutcome.Suspend ? $"Suspend({SuspendTime})" : Outcome.ToString();
}

/// <summary>The kinds of <see cref="ConsumeResult"/>.</summary>
public enum ConsumeOutcome
{
    /// <summary>Consumed.</summary>
    Success,

    /// <summary>Not consumed; redeliver later.</summary>
    Failure,

    /// <summary>Pause the lite topic without counting an attempt.</summary>
    Suspend,

    /// <summary>Forward to the dead-letter queue at once.</summary>
    DeadLetter,
}
