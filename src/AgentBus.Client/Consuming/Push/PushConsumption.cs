using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using AgentBus.Client.Messages;
using AgentBus.Client.Metrics;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Consuming.Push;

/// <summary>
/// The receiving side of a push consumer: asks the broker which queues to read (<c>QueryAssignment</c> every 5 s; a
/// lite consumer gets the virtual queue -1 that aggregates all its lite topics), runs one long-poll receive loop per
/// assigned queue, holds a loop back while the message cache is full, and hands messages to the dispatcher.
/// </summary>
internal sealed class PushConsumption
{
    private static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ThrottledDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MinFailureDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxFailureDelay = TimeSpan.FromSeconds(1);

    private readonly ConsumerBase _consumer;
    private readonly Func<IReadOnlyDictionary<string, FilterExpression>> _subscriptions;
    private readonly PushOptions _options;
    private readonly MessageCache _cache;
    private readonly AckBatcher _acker;
    private readonly ConsumeDispatcher _dispatcher;
    private readonly Dictionary<string, ReceiveLoop> _loops = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopReceiving = new();
    private Task? _scanner;

    public PushConsumption(ConsumerBase consumer, Func<IReadOnlyDictionary<string, FilterExpression>> subscriptions, MessageListener listener,
        PushOptions options, Func<MessageView, string?> keyOf, bool lite)
    {
        _consumer = consumer;
        _subscriptions = subscriptions;
        _options = options;
        _cache = new MessageCache(options.MaxCachedMessages, options.MaxCachedBytes);
        _acker = new AckBatcher(consumer, _cache.Remove, options.AckLinger);
        _dispatcher = new ConsumeDispatcher(consumer, listener, options.Parallelism, keyOf, lite, _cache, _acker);
    }

    /// <summary>Messages received and not yet settled.</summary>
    public int CachedMessages => _cache.Count;

    /// <summary>Receive loops running.</summary>
    public int ReceiveLoops
    {
        get
        {
            lock (_loops)
            {
                return _loops.Count;
            }
        }
    }

    public void Start() => _scanner = Task.Run(ScanLoopAsync);

    /// <summary>
    /// Stops receiving, lets running listeners finish (bounded), releases messages not started and waits for every
    /// settle call to complete (bounded).
    /// </summary>
    public async Task StopAsync()
    {
        _dispatcher.BeginClose();
        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        if (_scanner is { } scanner)
        {
            await scanner.ConfigureAwait(false);
        }

        Task[] loops;
        lock (_loops)
        {
            loops = [.. _loops.Values.Select(l => l.Task)];
            _loops.Clear();
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        await _dispatcher.CloseAsync(_options.CloseGracePeriod).ConfigureAwait(false);
        await _acker.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _cache.WaitForEmptyAsync(CancellationToken.None).WaitAsync(_consumer.RequestTimeout + _consumer.RequestTimeout, _consumer.Time)
                .ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            ClientLog.CloseTimedOut(_consumer.Logger, _consumer.ClientId, _cache.Count);
        }

        _stopReceiving.Dispose();
    }

    private async Task ScanLoopAsync()
    {
        var token = _stopReceiving.Token;
        using var timer = new PeriodicTimer(ScanInterval, _consumer.Time);
        try
        {
            do
            {
                await ScanAsync(token).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ScanAsync(CancellationToken ct)
    {
        foreach (var (topic, filter) in _subscriptions())
        {
            try
            {
                var route = await _consumer.GetRouteAsync(topic, ct).ConfigureAwait(false);
                var endpoint = route.Endpoints.Count > 0 ? route.Endpoints[0] : null;
                var request = new QueryAssignmentRequest
                {
                    Topic = _consumer.Resource(topic),
                    Group = _consumer.Resource(_consumer.ConsumerGroup),
                    Endpoints = _consumer.Invoker.AccessPoint.ToProtobuf(),
                };
                var response = await _consumer.Invoker.UnaryAsync(_consumer.Invoker.Endpoint(endpoint), request,
                    static (c, r, o) => c.QueryAssignmentAsync(r, o), _consumer.RequestTimeout, ct, static r => r.Status).ConfigureAwait(false);
                Sync(topic, filter, response.Assignments);
            }
            catch (ClientException ex)
            {
                ClientLog.ReceiveFailed(_consumer.Logger, _consumer.ClientId, topic, ScanInterval.TotalMilliseconds, ex.Message);
            }
        }
    }

    /// <summary>Starts a loop per new assignment; stops loops of queues no longer assigned (an empty answer keeps what runs).</summary>
    private void Sync(string topic, FilterExpression filter, IEnumerable<Assignment> assignments)
    {
        var latest = assignments.Where(a => a.MessageQueue is not null).ToDictionary(a => Key(a.MessageQueue), a => a.MessageQueue, StringComparer.Ordinal);
        if (latest.Count == 0)
        {
            return;
        }

        lock (_loops)
        {
            foreach (var (key, loop) in _loops.Where(l => l.Value.Topic == topic && !latest.ContainsKey(l.Key)).ToList())
            {
                loop.Stop();
                _loops.Remove(key);
            }

            foreach (var (key, queue) in latest)
            {
                if (!_loops.ContainsKey(key) && !_stopReceiving.IsCancellationRequested)
                {
                    var endpoint = queue.Broker?.Endpoints is { Addresses.Count: > 0 } e ? AccessPoint.From(e) : null;
                    _loops[key] = new ReceiveLoop(this, topic, queue, endpoint, filter, _stopReceiving.Token);
                }
            }
        }
    }

    private static string Key(MessageQueue queue) => $"{queue.Topic?.Name}@{queue.Broker?.Name}@{queue.Id}";

    /// <summary>One assigned queue's long-poll loop.</summary>
    private sealed class ReceiveLoop
    {
        private readonly PushConsumption _owner;
        private readonly MessageQueue _queue;
        private readonly AccessPoint? _endpoint;
        private readonly FilterExpression _filter;
        private readonly CancellationTokenSource _stop;
        private readonly Action<MessageView> _onMessage;
        private readonly CancellationToken _ct;
        private int _received;

        public ReceiveLoop(PushConsumption owner, string topic, MessageQueue queue, AccessPoint? endpoint, FilterExpression filter, CancellationToken stopping)
        {
            _owner = owner;
            Topic = topic;
            _queue = queue;
            _endpoint = endpoint;
            _filter = filter;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _ct = _stop.Token;
            _onMessage = message =>
            {
                Interlocked.Increment(ref _received);
                owner._cache.Add(message);
                owner._dispatcher.Dispatch(message);
            };
            Task = RunAllAsync(owner._options.ReceiveConcurrency);
        }

        public string Topic { get; }

        public Task Task { get; }

        public void Stop() => _stop.Cancel();

        private async Task RunAllAsync(int concurrency)
        {
            try
            {
                await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, concurrency)
                    .Select(_ => System.Threading.Tasks.Task.Run(RunAsync, CancellationToken.None))).ConfigureAwait(false);
            }
            finally
            {
                _stop.Dispose();
            }
        }

        private async Task RunAsync()
        {
            var consumer = _owner._consumer;
            var cache = _owner._cache;
            var ct = _ct;
            var failureDelay = MinFailureDelay;
            bool continuous = _owner._options.ContinuousReceive;
            string attemptId = Guid.NewGuid().ToString();
            // Messages are handed over as they arrive, before the receive completes; a broker that replays a failed
            // attempt sends them again (same receipt handles), so those already handed over under this attempt id
            // are skipped. Bounded by one attempt's messages.
            var handedOver = new HashSet<string>(StringComparer.Ordinal);
            Action<MessageView> onMessage = message =>
            {
                if (handedOver.Add(message.ReceiptHandle))
                {
                    _onMessage(message);
                }
            };
            try
            {
                // Bounded by the consumer's lifetime; each round long-polls or waits.
                while (!ct.IsCancellationRequested)
                {
                    await cache.WaitForRoomAsync(ct).ConfigureAwait(false);
                    // A continuous receive from a broker known to serve it may carry the free cache room (count and
                    // bytes) over its lifetime; otherwise a receive asks for one batch.
                    int batch = Math.Max(1, Math.Min(consumer.Settings.ReceiveBatchSize, cache.Room));
                    long maxBytes = 0;
                    if (continuous)
                    {
                        (int messages, maxBytes) = cache.RoomForStream(_owner._options.ReceiveConcurrency);
                        if (consumer.Invoker.Endpoint(_endpoint).ServesContinuousReceive)
                        {
                            batch = messages;
                        }
                    }

                    try
                    {
                        var poll = new PollRequest(_queue, _endpoint, _filter, batch, consumer.Settings.LongPollingTimeout)
                        {
                            AutoRenew = true,
                            OnMessage = onMessage,
                            AttemptId = attemptId,
                            Continuous = continuous,
                            ContinuousMaxBytes = maxBytes,
                        };
                        var leftovers = await consumer.ReceiveCoreAsync(poll, ct).ConfigureAwait(false);
                        foreach (var message in leftovers)
                        {
                            onMessage(message);
                        }

                        failureDelay = MinFailureDelay;
                        attemptId = Guid.NewGuid().ToString(); // a failed receive is retried with the same id
                        handedOver.Clear();
                    }
                    catch (ClientException ex)
                    {
                        var delay = ex is TooManyRequestsException ? ThrottledDelay : failureDelay;
                        failureDelay = TimeSpan.FromTicks(Math.Min(failureDelay.Ticks * 2, MaxFailureDelay.Ticks));
                        ClientLog.ReceiveFailed(consumer.Logger, consumer.ClientId, Topic, delay.TotalMilliseconds, ex.Message);
                        await Task.Delay(delay, consumer.Time, ct).ConfigureAwait(false);
                        continue;
                    }

                    int received = Interlocked.Exchange(ref _received, 0);
                    if (received > 0)
                    {
                        ClientMetrics.Received(received);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped.
            }
        }
    }
}
