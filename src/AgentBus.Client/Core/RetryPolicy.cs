using Google.Protobuf.WellKnownTypes;
using ProtoRetryPolicy = Apache.Rocketmq.V2.RetryPolicy;

namespace AgentBus.Client.Core;

/// <summary>
/// Attempts and delays between them, as the broker pushes them in <c>Settings.backoff_policy</c>: exponential
/// (<c>min(initial × multiplier^(attempt-1), max)</c>) or a customised list of delays (the last one repeats).
/// </summary>
internal sealed class RetryPolicy
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly double _multiplier;
    private readonly TimeSpan[]? _customized;

    private RetryPolicy(int maxAttempts, TimeSpan initial, TimeSpan max, double multiplier, TimeSpan[]? customized)
    {
        MaxAttempts = Math.Max(1, maxAttempts);
        _initial = initial;
        _max = max;
        _multiplier = multiplier;
        _customized = customized;
    }

    /// <summary>Attempts in all (the first one included).</summary>
    public int MaxAttempts { get; }

    /// <summary>Retries at once, <paramref name="maxAttempts"/> attempts in all.</summary>
    public static RetryPolicy Immediate(int maxAttempts) => new(maxAttempts, TimeSpan.Zero, TimeSpan.Zero, 1, null);

    /// <summary>An exponential policy.</summary>
    public static RetryPolicy Exponential(int maxAttempts, TimeSpan initial, TimeSpan max, double multiplier) =>
        new(maxAttempts, initial, max, multiplier, null);

    /// <summary>The policy the broker pushed; <paramref name="maxAttempts"/> overrides its attempts (producers keep their own).</summary>
    public static RetryPolicy From(ProtoRetryPolicy policy, int? maxAttempts = null)
    {
        int attempts = maxAttempts ?? policy.MaxAttempts;
        return policy.StrategyCase switch
        {
            ProtoRetryPolicy.StrategyOneofCase.ExponentialBackoff => new RetryPolicy(attempts,
                ToTimeSpan(policy.ExponentialBackoff.Initial), ToTimeSpan(policy.ExponentialBackoff.Max),
                policy.ExponentialBackoff.Multiplier <= 0 ? 1 : policy.ExponentialBackoff.Multiplier, null),
            ProtoRetryPolicy.StrategyOneofCase.CustomizedBackoff when policy.CustomizedBackoff.Next.Count > 0 => new RetryPolicy(attempts,
                TimeSpan.Zero, TimeSpan.Zero, 1, [.. policy.CustomizedBackoff.Next.Select(ToTimeSpan)]),
            _ => Immediate(attempts),
        };
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1, after attempt <paramref name="attempt"/> (from 1) failed.</summary>
    public TimeSpan NextAttemptDelay(int attempt)
    {
        attempt = Math.Max(1, attempt);
        if (_customized is { } delays)
        {
            return delays[Math.Min(attempt, delays.Length) - 1];
        }

        double millis = _initial.TotalMilliseconds * Math.Pow(_multiplier, attempt - 1);
        if (double.IsNaN(millis) || millis <= 0)
        {
            return TimeSpan.Zero;
        }

        return millis >= _max.TotalMilliseconds ? _max : TimeSpan.FromMilliseconds(millis);
    }

    private static TimeSpan ToTimeSpan(Duration? duration) => duration is null ? TimeSpan.Zero : duration.ToTimeSpan();
}
