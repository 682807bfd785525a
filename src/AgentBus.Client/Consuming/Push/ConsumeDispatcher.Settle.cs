using System.Runtime.CompilerServices;
using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using AgentBus.Client.Messages;
using AgentBus.Client.Metrics;

namespace AgentBus.Client.Consuming.Push;

internal sealed partial class ConsumeDispatcher
{
    // Awaited once by its worker: the state machine comes from a pool instead of being allocated per message.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ConsumeAsync(Mailbox mailbox, MessageView message)
    {
        if (message.Corrupted)
        {
            ClientLog.CorruptedMessage(_consumer.Logger, _consumer.ClientId, message.MessageId);
            Fail(mailbox, message);
            return;
        }

        // Bounded: a FIFO group redelivers locally at most MaxAttempts times.
        while (true)
        {
            var result = await InvokeAsync(message).ConfigureAwait(false);
            ClientMetrics.Consumed(result.Outcome);
            switch (result.Outcome)
            {
                case ConsumeOutcome.Success:
                    _acker.Enqueue(message);
                    return;
                case ConsumeOutcome.Suspend when _lite:
                    Release(message, result.SuspendTime, suspend: true);
                    lock (_mailboxes)
                    {
                        ReleaseAll(mailbox, result.SuspendTime);
                    }

                    return;
                case ConsumeOutcome.DeadLetter:
                    DeadLetter(message, _consumer.Settings.RetryPolicy.MaxAttempts);
                    return;
            }

            var policy = _consumer.Settings.RetryPolicy;
            if (!_consumer.Settings.Fifo || _closing)
            {
                Fail(mailbox, message, result.RetryDelay);
                return;
            }

            if (message.DeliveryAttempt >= policy.MaxAttempts)
            {
                DeadLetter(message, policy.MaxAttempts);
                return;
            }

            // FIFO: redeliver locally so the messages behind this one keep waiting (order is kept).
            var delay = result.RetryDelay ?? policy.NextAttemptDelay(message.DeliveryAttempt);
            message.DeliveryAttempt++;
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, _consumer.Time, _abort.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Release(message, TimeSpan.Zero);
                    return;
                }
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ConsumeResult> InvokeAsync(MessageView message)
    {
        try
        {
            return await _listener(message, _abort.Token).ConfigureAwait(false) ?? ConsumeResult.Failure;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ClientLog.ListenerFailed(_consumer.Logger, _consumer.ClientId, message.MessageId, ex);
            return ConsumeResult.Failure;
        }
    }

    /// <summary>
    /// A failed message goes back to the broker after the backoff delay for its attempt (the broker counts the
    /// attempt). Messages queued behind it under the same key are released too, so the key's order is kept.
    /// </summary>
    private void Fail(Mailbox mailbox, MessageView message, TimeSpan? retryDelay = null)
    {
        var delay = retryDelay ?? _consumer.Settings.RetryPolicy.NextAttemptDelay(message.DeliveryAttempt);
        Settle(message, "nack", () => _consumer.ChangeInvisibleCoreAsync(message, delay, suspend: false, CancellationToken.None));
        if (mailbox.Key is not null)
        {
            lock (_mailboxes)
            {
                ReleaseAll(mailbox, delay);
            }
        }
    }

    private void DeadLetter(MessageView message, int maxAttempts)
    {
        Settle(message, "dead-letter", () => _consumer.ForwardToDeadLetterCoreAsync(message, maxAttempts, CancellationToken.None));
        ClientLog.DeadLettered(_consumer.Logger, _consumer.ClientId, message.MessageId, message.DeliveryAttempt);
    }

    /// <summary>Releases every queued message of a mailbox (caller holds the lock).</summary>
    private void ReleaseAll(Mailbox mailbox, TimeSpan after)
    {
        while (mailbox.Items.TryDequeue(out var queued))
        {
            Release(queued, after);
        }
    }

    /// <summary>Gives a message back to the broker, visible again after <paramref name="after"/>, without counting an attempt where the broker supports it.</summary>
    private void Release(MessageView message, TimeSpan after, bool suspend = true) =>
        Settle(message, suspend ? "suspend" : "release", () => _consumer.ChangeInvisibleCoreAsync(message, after, suspend, CancellationToken.None));

    private void Settle(MessageView message, string action, Func<Task> operation) => _ = SettleAsync(message, action, operation);

    private async Task SettleAsync(MessageView message, string action, Func<Task> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (ClientException ex)
        {
            ClientLog.SettleFailed(_consumer.Logger, _consumer.ClientId, action, message.MessageId, ex.Message);
        }
        finally
        {
            _cache.Remove(message);
        }
    }
}
