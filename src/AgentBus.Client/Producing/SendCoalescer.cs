using System.Threading.Channels;
using AgentBus.Client.Errors;
using AgentBus.Client.Messages;

namespace AgentBus.Client.Producing;

/// <summary>
/// Opt-in batching of concurrent single sends: one writer loop takes the sends waiting in a bounded queue and sends
/// those of one topic, type and message group as one <c>SendMessageRequest</c> (up to the batch limit), with up to
/// <see cref="MaxBatchesInFlight"/> requests in flight. A lone send goes out at once (no added latency); under load
/// sends queue behind the requests in flight and leave together. Each caller gets its own receipt. A batch the broker
/// refuses as a whole is re-sent message by message, so only the offending message fails.
/// </summary>
internal sealed class SendCoalescer
{
    private const int MaxBatchesInFlight = 4;

    private readonly Producer _producer;
    private readonly int _maxBatch;
    private readonly SemaphoreSlim _slots = new(MaxBatchesInFlight, MaxBatchesInFlight);
    private readonly Channel<Pending> _queue;
    private readonly Task _loop;

    public SendCoalescer(Producer producer, int maxBatch)
    {
        _producer = producer;
        _maxBatch = maxBatch;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(maxBatch * MaxBatchesInFlight * 4)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    public Task<SendReceipt> SendAsync(Message message, CancellationToken ct)
    {
        // The caller's token cancels its wait (the send itself is skipped if not taken yet, as a unary call's would
        // be); registered before the send is queued, so whoever completes it sees the registration to release.
        var pending = new Pending(message, ct);
        var queued = _queue.Writer.WriteAsync(pending, ct);
        if (!queued.IsCompletedSuccessfully)
        {
            return SendQueuedAsync(queued, pending);
        }

        // Queued at once (the queue is rarely full): the caller awaits the completion itself, without a state machine here.
        return pending.Completion.Task;
    }

    private static async Task<SendReceipt> SendQueuedAsync(ValueTask queued, Pending pending)
    {
        try
        {
            await queued.ConfigureAwait(false);
        }
        catch
        {
            pending.ReleaseCancellation();
            throw;
        }

        return await pending.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Sends what is queued, waits for the requests in flight and stops.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        for (int i = 0; i < MaxBatchesInFlight; i++)
        {
            await _slots.WaitAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _slots.WaitAsync().ConfigureAwait(false);
            var taken = new List<Pending>(Math.Min(_maxBatch, 64));
            while (taken.Count < _maxBatch && reader.TryRead(out var pending))
            {
                if (!pending.Cancellation.IsCancellationRequested)
                {
                    taken.Add(pending);
                }
                else
                {
                    // Cancelled, though its callback may not have run yet (CancelAsync runs callbacks later): ending it
                    // here, not only releasing the registration, is what keeps its caller from waiting forever.
                    pending.Cancel();
                }
            }

            _ = SendBatchesAsync(taken);
        }
    }

    private async Task SendBatchesAsync(List<Pending> taken)
    {
        try
        {
            if (OneGroup(taken))
            {
                await SendGroupAsync(taken).ConfigureAwait(false);
                return;
            }

            foreach (var group in taken.GroupBy(p => (p.Message.Topic, Kind(p.Message), p.Message.MessageGroup)))
            {
                await SendGroupAsync([.. group]).ConfigureAwait(false);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task SendGroupAsync(List<Pending> group)
    {
        try
        {
            var receipts = await _producer.SendCoreAsync(group.ConvertAll(p => p.Message), CancellationToken.None).ConfigureAwait(false);
            for (int i = 0; i < group.Count; i++)
            {
                group[i].Succeed(receipts[i]);
            }
        }
        catch (ClientException) when (group.Count > 1)
        {
            // Refused as a whole: find out which message is at fault by sending each alone.
            await Task.WhenAll(group.Select(SendAloneAsync)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            foreach (var pending in group)
            {
                pending.Fail(ex);
            }
        }
    }

    private async Task SendAloneAsync(Pending pending)
    {
        try
        {
            var receipts = await _producer.SendCoreAsync([pending.Message], pending.Cancellation).ConfigureAwait(false);
            pending.Succeed(receipts[0]);
        }
        catch (Exception ex)
        {
            pending.Fail(ex);
        }
    }

    /// <summary>Whether every send taken goes in one request (the usual case: one topic, all lite): no grouping needed.</summary>
    private static bool OneGroup(List<Pending> taken)
    {
        if (taken.Count < 2)
        {
            return true;
        }

        var first = taken[0].Message;
        int kind = Kind(first);
        for (int i = 1; i < taken.Count; i++)
        {
            var message = taken[i].Message;
            if (!string.Equals(message.Topic, first.Topic, StringComparison.Ordinal) || Kind(message) != kind
                || !string.Equals(message.MessageGroup, first.MessageGroup, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static int Kind(Message message) =>
        message.LiteTopic is not null ? 1 : message.MessageGroup is not null ? 2 : message.DeliveryTimestamp is not null ? 3 : 0;

    private sealed class Pending
    {
        private readonly CancellationTokenRegistration _cancellation;

        public Pending(Message message, CancellationToken cancellation)
        {
            Message = message;
            Cancellation = cancellation;
            if (cancellation.CanBeCanceled)
            {
                _cancellation = cancellation.UnsafeRegister(
                    static (state, token) => ((Pending)state!).Completion.TrySetCanceled(token), this);
            }
        }

        public Message Message { get; }

        public CancellationToken Cancellation { get; }

        public TaskCompletionSource<SendReceipt> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Succeed(SendReceipt receipt)
        {
            Completion.TrySetResult(receipt);
            ReleaseCancellation();
        }

        public void Fail(Exception error)
        {
            Completion.TrySetException(error);
            ReleaseCancellation();
        }

        public void Cancel()
        {
            Completion.TrySetCanceled(Cancellation);
            ReleaseCancellation();
        }

        public void ReleaseCancellation() => _cancellation.Dispose();
    }
}
