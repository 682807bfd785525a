using System.Threading.Channels;
using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using AgentBus.Client.Messages;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Consuming.Push;

/// <summary>
/// The single ack writer of a push consumer: acks queued by the consume workers are sent together, one
/// <c>AckMessageRequest</c> per topic and endpoint with up to <see cref="MaxEntries"/> entries, so a busy consumer
/// makes few ack calls, and acks of a steady flow wait up to the linger (1 ms by default) to share a call. Failed
/// entries are retried after a second (an expired receipt handle is not: the message
/// comes back anyway); each settled message is reported to <c>onSettled</c>.
/// </summary>
internal sealed class AckBatcher
{
    public const int MaxEntries = 256;
    private const int MaxTries = 5;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ConsumerBase _consumer;
    private readonly Action<MessageView> _onSettled;
    private readonly Channel<(MessageView Message, int Tries)> _pending = Channel.CreateUnbounded<(MessageView, int)>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeSpan _linger;
    private readonly Task _loop;
    private volatile bool _completing;
    private int _queued;

    public AckBatcher(ConsumerBase consumer, Action<MessageView> onSettled, TimeSpan linger)
    {
        _consumer = consumer;
        _onSettled = onSettled;
        _linger = linger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues an ack (never blocks: the count of queued acks is bounded by the consumer's message cache).</summary>
    public void Enqueue(MessageView message)
    {
        Interlocked.Increment(ref _queued);
        if (!_pending.Writer.TryWrite((message, 0)))
        {
            Interlocked.Decrement(ref _queued);
            _onSettled(message);
        }
    }

    /// <summary>Sends what is queued and stops.</summary>
    public Task CompleteAsync()
    {
        _completing = true;
        _pending.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<(MessageView Message, int Tries)>(MaxEntries);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // A short wait gathers the acks of a steady flow into one call. Not for FIFO groups, where the broker holds
            // the next message of a group until this one is acked; not when closing. Real time, whatever the clock.
            if (_linger > TimeSpan.Zero && !_consumer.Settings.Fifo && !_completing
                && Volatile.Read(ref _queued) < MaxEntries)
            {
                await Task.Delay(_linger).ConfigureAwait(false);
            }

            while (batch.Count < MaxEntries && _pending.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            Interlocked.Add(ref _queued, -batch.Count);

            foreach (var group in batch.GroupBy(item => (item.Message.Endpoint.Facade, item.Message.Topic)))
            {
                await SendAsync([.. group]).ConfigureAwait(false);
            }

            batch.Clear();
        }
    }

    private async Task SendAsync(List<(MessageView Message, int Tries)> items)
    {
        var messages = items.ConvertAll(item => item.Message);
        AckOutcome outcome;
        try
        {
            outcome = await _consumer.AckCoreAsync(messages[0].Endpoint, messages[0].Topic, messages, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ClientException ex)
        {
            ClientLog.SettleFailed(_consumer.Logger, _consumer.ClientId, "ack", messages[0].MessageId, ex.Message);
            foreach (var item in items)
            {
                RetryOrGiveUp(item);
            }

            return;
        }

        for (int i = 0; i < items.Count; i++)
        {
            var code = i < outcome.Entries.Count ? outcome.Entries[i].Code : outcome.Status.Code;
            if (code is Code.Ok or Code.InvalidReceiptHandle)
            {
                _onSettled(items[i].Message);
            }
            else
            {
                RetryOrGiveUp(items[i]);
            }
        }
    }

    private void RetryOrGiveUp((MessageView Message, int Tries) item)
    {
        if (item.Tries + 1 >= MaxTries || _pending.Reader.Completion.IsCompleted)
        {
            _onSettled(item.Message);
            return;
        }

        _ = RetryLaterAsync(item.Message, item.Tries + 1);
    }

    private async Task RetryLaterAsync(MessageView message, int tries)
    {
        await Task.Delay(RetryDelay, _consumer.Time).ConfigureAwait(false);
        Interlocked.Increment(ref _queued);
        if (!_pending.Writer.TryWrite((message, tries)))
        {
            Interlocked.Decrement(ref _queued);
            _onSettled(message);
        }
    }
}
