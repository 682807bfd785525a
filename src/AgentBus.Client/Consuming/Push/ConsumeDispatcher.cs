using System.Threading.Channels;
using AgentBus.Client.Logging;
using AgentBus.Client.Messages;

namespace AgentBus.Client.Consuming.Push;

/// <summary>
/// Runs the listener on received messages, off the receive loop: one mailbox per ordering key (the lite topic, or the
/// message group of a FIFO group), consumed in order by one worker at a time, with up to <c>parallelism</c> workers
/// across keys; messages without a key are consumed in parallel. Then settles each message: ack on success, a change of
/// invisible duration on failure (or local redelivery with attempt + 1 for FIFO groups, then the dead-letter queue),
/// and a suspend of the lite topic on <see cref="ConsumeOutcome.Suspend"/>.
/// </summary>
internal sealed partial class ConsumeDispatcher
{
    private const int MessagesPerTurn = 16;

    private readonly ConsumerBase _consumer;
    private readonly MessageListener _listener;
    private readonly Func<MessageView, string?> _keyOf;
    private readonly bool _lite;
    private readonly MessageCache _cache;
    private readonly AckBatcher _acker;
    private readonly Dictionary<string, Mailbox> _mailboxes = new(StringComparer.Ordinal);
    private readonly Channel<Mailbox> _ready = Channel.CreateUnbounded<Mailbox>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly CancellationTokenSource _abort = new();
    private readonly Task[] _workers;
    private volatile bool _closing;
    private int _running;

    public ConsumeDispatcher(ConsumerBase consumer, MessageListener listener, int parallelism, Func<MessageView, string?> keyOf, bool lite,
        MessageCache cache, AckBatcher acker)
    {
        _consumer = consumer;
        _listener = listener;
        _keyOf = keyOf;
        _lite = lite;
        _cache = cache;
        _acker = acker;
        _workers = new Task[parallelism];
        for (int i = 0; i < parallelism; i++)
        {
            _workers[i] = Task.Run(WorkAsync);
        }
    }

    /// <summary>Listeners running right now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Queues a received message for consumption (the receive loop goes on at once).</summary>
    public void Dispatch(MessageView message)
    {
        lock (_mailboxes)
        {
            if (_closing)
            {
                Release(message, TimeSpan.Zero);
                return;
            }

            string? key = _keyOf(message);
            Mailbox? mailbox;
            if (key is null)
            {
                mailbox = new Mailbox(null);
            }
            else if (!_mailboxes.TryGetValue(key, out mailbox))
            {
                mailbox = new Mailbox(key);
                _mailboxes.Add(key, mailbox);
            }

            mailbox.Items.Enqueue(message);
            if (!mailbox.Scheduled)
            {
                mailbox.Scheduled = true;
                _ready.Writer.TryWrite(mailbox);
            }
        }
    }

    /// <summary>Stops starting listeners: messages received from now on, or queued, are released when closing.</summary>
    public void BeginClose() => _closing = true;

    /// <summary>
    /// Stops consuming: running listeners get <paramref name="grace"/> to finish (then their token is cancelled),
    /// messages not yet started are released to the broker at once.
    /// </summary>
    public async Task CloseAsync(TimeSpan grace)
    {
        _closing = true;
        _ready.Writer.TryComplete();
        var workers = Task.WhenAll(_workers);
        try
        {
            await workers.WaitAsync(grace, _consumer.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            ClientLog.CloseTimedOut(_consumer.Logger, _consumer.ClientId, Running);
            await _abort.CancelAsync().ConfigureAwait(false);
            await workers.ConfigureAwait(false);
        }

        lock (_mailboxes)
        {
            foreach (var mailbox in _mailboxes.Values)
            {
                ReleaseAll(mailbox, TimeSpan.Zero);
            }

            _mailboxes.Clear();
        }

        while (_ready.Reader.TryRead(out var mailbox))
        {
            lock (_mailboxes)
            {
                ReleaseAll(mailbox, TimeSpan.Zero);
            }
        }
    }

    private async Task WorkAsync()
    {
        while (true)
        {
            // ReadAsync hands each mailbox to one idle worker. Waiting with WaitToReadAsync (as ReadAllAsync does) would
            // wake every idle worker for each message, only for all but one to find nothing and wait again.
            Mailbox mailbox;
            try
            {
                mailbox = await _ready.Reader.ReadAsync().ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return;
            }

            for (int turn = 0; ; turn++)
            {
                MessageView message;
                lock (_mailboxes)
                {
                    if (_closing || mailbox.Items.Count == 0 || turn == MessagesPerTurn)
                    {
                        if (_closing)
                        {
                            // Not started: back to the broker at once.
                            ReleaseAll(mailbox, TimeSpan.Zero);
                        }

                        if (mailbox.Items.Count == 0)
                        {
                            mailbox.Scheduled = false;
                            if (mailbox.Key is { } key)
                            {
                                _mailboxes.Remove(key);
                            }
                        }
                        else if (!_closing)
                        {
                            // Let other keys have a turn; this one goes to the back of the line.
                            _ready.Writer.TryWrite(mailbox);
                        }

                        break;
                    }

                    message = mailbox.Items.Dequeue();
                }

                Interlocked.Increment(ref _running);
                try
                {
                    await ConsumeAsync(mailbox, message).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _running);
                }
            }
        }
    }

    private sealed class Mailbox(string? key)
    {
        public string? Key { get; } = key;

        public Queue<MessageView> Items { get; } = new();

        public bool Scheduled { get; set; }
    }
}
