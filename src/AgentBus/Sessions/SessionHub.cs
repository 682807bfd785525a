using System.Collections.Concurrent;
using AgentBus.Client.Consuming;
using AgentBus.Client.Lite;
using AgentBus.Client.Messages;
using AgentBus.Diagnostics;
using AgentBus.Envelopes;
using AgentBus.Replies;
using StreamReader = AgentBus.Replies.StreamReader;

namespace AgentBus.Sessions;

/// <summary>
/// The session consumers of one instance, which also read streamed replies (see <see cref="OpenStreamAsync"/>) (group <see cref="AgentBusOptions.SessionGroup"/>, exclusive mode): hold
/// the session topics this instance owns — a new consumer (client) whenever the others hold the broker's lite
/// subscription quota per client (RocketMQ's default: 2,000), so one gateway can own any number of sessions — and hands their messages to the open <see cref="AgentSession"/>s, one
/// session in order. A message is acknowledged only after the session's reader has moved past it, so what an owner
/// had not finished comes to the next owner.
/// </summary>
internal sealed class SessionHub : IAsyncDisposable
{
    // A message of a session closed here goes back to the broker for the next owner; the short pause keeps it from
    // bouncing back to this instance while its unsubscribe is still on the way.
    private static readonly TimeSpan ReleaseDelay = TimeSpan.FromMilliseconds(100);

    private const int ListenerCount = 1024;

    private readonly AgentBusClient _bus;
    private readonly ConcurrentDictionary<string, AgentSession> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StreamReader> _streams = new(StringComparer.Ordinal);
    private readonly List<LitePushConsumer> _consumers = [];
    private readonly SemaphoreSlim _grow = new(1, 1);

    public SessionHub(AgentBusClient bus)
    {
        _bus = bus;
    }

    public Task StartAsync(CancellationToken ct) => AddConsumerAsync(ct);

    private async Task<LitePushConsumer> AddConsumerAsync(CancellationToken ct)
    {
        var consumer = await _bus.Provider.NewLitePushConsumerBuilder()
            .BindTopic(_bus.Options.ParentTopic)
            .SetConsumerGroup(_bus.Options.SessionGroup)
            // Each session holds a listener while its reader works on a message (an awaiting task, not a thread):
            // allow thousands of sessions to have a message in hand at once.
            .SetConsumptionParallelism(ListenerCount)
            .SetMaxCacheMessageCount(4096)
            .SetMessageListener(OnMessageAsync)
            .BuildAsync(ct).ConfigureAwait(false);
        consumer.UnsubscribedByBroker += OnTakenOver;
        lock (_consumers)
        {
            _consumers.Add(consumer);
        }

        return consumer;
    }

    /// <summary>Subscribes the session's topic on the newest consumer, adding a consumer when that one holds its quota.</summary>
    private async Task<LitePushConsumer> SubscribeAsync(string topic, OffsetOption? start, CancellationToken ct)
    {
        LitePushConsumer newest;
        lock (_consumers)
        {
            newest = _consumers[^1];
        }

        try
        {
            await newest.SubscribeLiteAsync(topic, start, ct).ConfigureAwait(false);
            return newest;
        }
        catch (Client.Errors.LiteSubscriptionQuotaExceededException)
        {
            await _grow.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                LitePushConsumer latest;
                lock (_consumers)
                {
                    latest = _consumers[^1];
                }

                if (latest != newest)
                {
                    // Another open added a consumer meanwhile: try it before adding one more.
                    try
                    {
                        await latest.SubscribeLiteAsync(topic, start, ct).ConfigureAwait(false);
                        return latest;
                    }
                    catch (Client.Errors.LiteSubscriptionQuotaExceededException)
                    {
                    }
                }

                var added = await AddConsumerAsync(ct).ConfigureAwait(false);
                await added.SubscribeLiteAsync(topic, start, ct).ConfigureAwait(false);
                return added;
            }
            finally
            {
                _grow.Release();
            }
        }
    }

    public async Task<AgentSession> OpenAsync(Agent agent, string sessionId, long? replayFromOffset, CancellationToken ct)
    {
        string topic = LiteTopicNames.ForSession(sessionId);
        var session = new AgentSession(agent, this, sessionId, topic);
        if (!_open.TryAdd(topic, session))
        {
            throw new InvalidOperationException($"Session {sessionId} is already open in this instance.");
        }

        try
        {
            // From the committed offset: what arrived while no owner held the session, or what the previous owner
            // had not finished, comes first. An explicit offset moves the group's position there (a replay).
            var start = replayFromOffset is { } offset ? OffsetOption.OfOffset(offset) : null;
            session.Consumer = await SubscribeAsync(topic, start, ct).ConfigureAwait(false);
            return session;
        }
        catch
        {
            _open.TryRemove(topic, out _);
            throw;
        }
    }

    public async Task CloseAsync(AgentSession session)
    {
        if (_open.TryRemove(new KeyValuePair<string, AgentSession>(session.LiteTopic, session)) && !session.TakenOver)
        {
            try
            {
                await session.Consumer!.UnsubscribeLiteAsync(session.LiteTopic).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Client.Errors.ClientException or ObjectDisposedException or InvalidOperationException)
            {
                AgentBusLog.UnsubscribeFailed(_bus.Logger, session.LiteTopic, ex.Message);
            }
        }
    }

    /// <summary>
    /// Opens the receiving end of a streamed reply, from the chunk after <paramref name="afterSequence"/>. The group is
    /// exclusive, so a reader opened later (here after a close, or on another instance) takes the stream over: its
    /// chunks are never split between two readers.
    /// </summary>
    public async Task<StreamReader> OpenStreamAsync(string requestId, long afterSequence, CancellationToken ct)
    {
        string topic = LiteTopicNames.ForRequest(requestId);
        var reader = new StreamReader(requestId, topic, afterSequence);
        if (!_streams.TryAdd(topic, reader))
        {
            throw new InvalidOperationException($"The stream of request {requestId} is already being read by this instance.");
        }

        try
        {
            // From the first offset that can hold the chunk wanted (ChunkPacking.ResumeOffset); the chunks before it
            // are dropped as duplicates.
            var start = afterSequence < 0 ? OffsetOption.MinOffset : OffsetOption.OfOffset(ChunkPacking.ResumeOffset(afterSequence));
            reader.Consumer = await SubscribeAsync(topic, start, ct).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            _streams.TryRemove(topic, out _);
            throw;
        }
    }

    public async Task CloseStreamAsync(StreamReader reader)
    {
        if (_streams.TryRemove(new KeyValuePair<string, StreamReader>(reader.LiteTopic, reader)) && !reader.TakenOver)
        {
            try
            {
                await reader.Consumer!.UnsubscribeLiteAsync(reader.LiteTopic).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Client.Errors.ClientException or ObjectDisposedException or InvalidOperationException)
            {
                AgentBusLog.UnsubscribeFailed(_bus.Logger, reader.LiteTopic, ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _open.Values)
        {
            session.Close(lost: false);
        }

        foreach (var reader in _streams.Values)
        {
            reader.Abort(new ObjectDisposedException(nameof(AgentBusClient), $"The bus closed while the stream of request {reader.RequestId} was read."));
        }

        LitePushConsumer[] consumers;
        lock (_consumers)
        {
            consumers = [.. _consumers];
        }

        foreach (var consumer in consumers)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        _grow.Dispose();
    }

    private void OnTakenOver(object? sender, LiteTopicEventArgs e)
    {
        if (_streams.TryRemove(e.LiteTopic, out var reader))
        {
            AgentBusLog.StreamTakenOver(_bus.Logger, reader.RequestId);
            reader.TakeOver();
            return;
        }

        if (_open.TryRemove(e.LiteTopic, out var session))
        {
            AgentBusLog.SessionTakenOver(_bus.Logger, session.SessionId);
            session.Close(lost: true);
        }
    }

    private async ValueTask<ConsumeResult> OnMessageAsync(MessageView message, CancellationToken ct)
    {
        string topic = message.LiteTopic ?? "";
        if (!AgentEnvelope.TryRead(message, out var envelope, out string problem))
        {
            AgentBusLog.NotABusMessage(_bus.Logger, "(session)", message.MessageId, topic, problem);
            return ConsumeResult.DeadLetter;
        }

        if (_streams.TryGetValue(topic, out var reader))
        {
            if (envelope.Kind is not (MessageKind.Chunk or MessageKind.End or MessageKind.Error or MessageKind.Reply))
            {
                AgentBusLog.NotAReply(_bus.Logger, message.MessageId, topic, $"a '{MessageKinds.ToWire(envelope.Kind)}' message");
                return ConsumeResult.DeadLetter;
            }

            if (!await reader.DeliverAsync(envelope, message.Body, ct).ConfigureAwait(false))
            {
                AgentBusLog.NotAReply(_bus.Logger, message.MessageId, topic, $"the body does not hold the {envelope.ChunkCount} chunks it announces");
                return ConsumeResult.DeadLetter;
            }

            return ConsumeResult.Success;
        }

        if (topic.StartsWith("req|", StringComparison.Ordinal))
        {
            // A late chunk of a stream closed here: it stays in the request's lite topic for a resume (by offset).
            return ConsumeResult.Success;
        }

        if (envelope.Kind is MessageKind.Reply or MessageKind.Error && _bus.Replies.TryComplete(new ReceivedReply(envelope, message.Body)))
        {
            return ConsumeResult.Success;
        }

        if (!_open.TryGetValue(topic, out var session))
        {
            // Closed or taken over meanwhile: back to the broker for the session's (next) owner, no attempt counted.
            return ConsumeResult.Suspend(ReleaseDelay);
        }

        return await session.DeliverAsync(new SessionMessage(envelope, message.Body, _bus.Serializer), ct).ConfigureAwait(false)
            ? ConsumeResult.Success
            : ConsumeResult.Suspend(ReleaseDelay);
    }
}
