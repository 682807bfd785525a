using AgentBus.Client.Configuration;
using AgentBus.Client.Core;
using Apache.Rocketmq.V2;
using RetryPolicy = AgentBus.Client.Core.RetryPolicy;

namespace AgentBus.Client.Producing;

/// <summary>
/// Sends messages (normal, FIFO, delay and lite) and returns the broker's receipts. Thread-safe: many sends may be in
/// flight at once on the one connection. Retries failed sends on the next queue (throttled sends after the broker's
/// backoff delay) up to the configured attempts. Build one with <see cref="ClientServiceProvider.NewProducerBuilder"/>.
/// </summary>
public sealed partial class Producer : ClientBase
{
    private readonly string[] _topics;
    private readonly int _maxAttempts;
    private readonly SendCoalescer? _coalescer;

    internal Producer(ClientConfiguration configuration, IEnumerable<string> topics, int maxAttempts, int coalescingBatch)
        : base(configuration, ClientType.Producer)
    {
        _topics = [.. topics.Distinct(StringComparer.Ordinal)];
        _maxAttempts = maxAttempts;
        Settings.RetryPolicy = RetryPolicy.Immediate(maxAttempts);
        _coalescer = coalescingBatch > 1 ? new SendCoalescer(this, coalescingBatch) : null;
    }

    /// <summary>Attempts per send, the first one included.</summary>
    public int MaxAttempts => Settings.RetryPolicy.MaxAttempts;

    private protected override string? GroupName => null;

    private protected override IEnumerable<string> InitialTopics() => _topics;

    private protected override void DescribeSettings(Settings settings)
    {
        var publishing = new Publishing { ValidateMessageType = true };
        foreach (string topic in _topics)
        {
            publishing.Topics.Add(Resource(topic));
        }

        settings.Publishing = publishing;
    }

    private protected override Task OnStoppingAsync() => _coalescer?.CompleteAsync() ?? Task.CompletedTask;

    private protected override void ApplySettings(Settings settings)
    {
        // Producers keep their own attempts and take the broker's delays.
        if (settings.BackoffPolicy is { } policy)
        {
            Settings.RetryPolicy = RetryPolicy.From(policy, _maxAttempts);
        }
    }
}
