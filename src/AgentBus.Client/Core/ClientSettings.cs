using Apache.Rocketmq.V2;

namespace AgentBus.Client.Core;

/// <summary>
/// What the broker told this client in its <see cref="Settings"/> answer (batch size, long polling, backoff, quotas,
/// body limit); defaults until the first answer. Read from many threads, replaced by the Telemetry stream.
/// </summary>
internal sealed class ClientSettings
{
    private volatile RetryPolicy _retryPolicy;

    public ClientSettings(RetryPolicy initial)
    {
        _retryPolicy = initial;
    }

    /// <summary>Backoff for retries (producers) and redelivery delays (consumers).</summary>
    public RetryPolicy RetryPolicy
    {
        get => _retryPolicy;
        set => _retryPolicy = value;
    }

    /// <summary>Whether the consumer group delivers in order (one in-flight batch per lite topic or message group).</summary>
    public volatile bool Fifo;

    /// <summary>Messages per receive call of push consumers.</summary>
    public volatile int ReceiveBatchSize = 32;

    /// <summary>Long polling timeout of push consumers, in milliseconds.</summary>
    public long LongPollingTimeoutMillis = 30_000;

    /// <summary>Lite subscriptions this client may hold (official clients start from 100 until told).</summary>
    public volatile int LiteSubscriptionQuota = 2000;

    /// <summary>Longest lite topic name.</summary>
    public volatile int MaxLiteTopicSize = 64;

    /// <summary>Largest body the broker accepts.</summary>
    public volatile int MaxBodySize = 4 * 1024 * 1024;

    /// <summary>Whether producers check the message type against the queue's accepted types.</summary>
    public volatile bool ValidateMessageType = true;

    public TimeSpan LongPollingTimeout => TimeSpan.FromMilliseconds(Interlocked.Read(ref LongPollingTimeoutMillis));

    /// <summary>Applies the subscription part of the broker's settings.</summary>
    public void ApplySubscription(Subscription subscription)
    {
        Fifo = subscription.HasFifo && subscription.Fifo;
        if (subscription.HasReceiveBatchSize && subscription.ReceiveBatchSize > 0)
        {
            ReceiveBatchSize = subscription.ReceiveBatchSize;
        }

        if (subscription.LongPollingTimeout is { } poll && poll.ToTimeSpan() > TimeSpan.Zero)
        {
            Interlocked.Exchange(ref LongPollingTimeoutMillis, (long)poll.ToTimeSpan().TotalMilliseconds);
        }

        if (subscription.HasLiteSubscriptionQuota && subscription.LiteSubscriptionQuota > 0)
        {
            LiteSubscriptionQuota = subscription.LiteSubscriptionQuota;
        }

        if (subscription.HasMaxLiteTopicSize && subscription.MaxLiteTopicSize > 0)
        {
            MaxLiteTopicSize = subscription.MaxLiteTopicSize;
        }
    }

    /// <summary>Applies the publishing part of the broker's settings.</summary>
    public void ApplyPublishing(Publishing publishing)
    {
        if (publishing.MaxBodySize > 0)
        {
            MaxBodySize = publishing.MaxBodySize;
        }

        ValidateMessageType = publishing.ValidateMessageType;
    }
}
