using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace AgentBus.Benchmarks.Harness.Peers;

/// <summary>
/// NATS's side of the peers scenario with its own .NET client (NATS.Net), requester and responder on separate
/// connections to one nats-server: core request-reply (a subscriber replying), JetStream request/reply (the request
/// and the reply each a JetStream publish to a file-backed stream, read by a durable pull consumer with explicit
/// acks), a JetStream publish, and a streamed reply as core publishes to the requester's inbox.
/// </summary>
internal sealed class NatsPeer : IAsyncDisposable
{
    private const string CoreService = "svc";
    private const string StreamService = "stream.svc";
    private const string RequestSubject = "preq.svc";
    private const string ReplySubject = "prep.caller";
    private const int ResponderConcurrency = 128;

    private readonly NatsConnection _requester;
    private readonly NatsConnection _responder;
    private readonly NatsJSContext _requesterJs;
    private readonly NatsJSContext _responderJs;
    private readonly byte[] _payload;
    private readonly byte[] _chunk;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _pending = new();
    private long _nextId;

    private NatsPeer(NatsConnection requester, NatsConnection responder, byte[] payload, byte[] chunk)
    {
        _requester = requester;
        _responder = responder;
        _requesterJs = new NatsJSContext(requester);
        _responderJs = new NatsJSContext(responder);
        _payload = payload;
        _chunk = chunk;
    }

    public static async Task<NatsPeer> StartAsync(PeerProcess server, byte[] payload, byte[] chunk)
    {
        var requester = await ConnectAsync(server, "bench-requester");
        var responder = await ConnectAsync(server, "bench-responder");
        var peer = new NatsPeer(requester, responder, payload, chunk);
        try
        {
            await peer.SetUpAsync();
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>Core request-reply: <c>RequestAsync</c> to a subject a subscriber on the other connection answers.</summary>
    public async Task CoreRequestAsync(int worker)
    {
        var reply = await _requester.RequestAsync<byte[], byte[]>(CoreService, _payload);
        if (reply.Data?.Length != _payload.Length)
        {
            throw new InvalidOperationException("NATS: a reply of the wrong size.");
        }
    }

    /// <summary>JetStream request/reply: a stored request, a stored reply, both consumed by durable consumers and acked.</summary>
    public async Task JetStreamRequestAsync(int worker)
    {
        long id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            var headers = new NatsHeaders { ["id"] = id.ToString(CultureInfo.InvariantCulture), ["reply"] = ReplySubject };
            var ack = await _requesterJs.PublishAsync(RequestSubject, _payload, headers: headers);
            ack.EnsureSuccess();
            await reply.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>A JetStream publish, awaiting the stream's PubAck.</summary>
    public async Task JetStreamPublishAsync(int worker)
    {
        var ack = await _requesterJs.PublishAsync("ppub." + worker.ToString(CultureInfo.InvariantCulture), _payload);
        ack.EnsureSuccess();
    }

    /// <summary>A streamed reply: a request naming an inbox, the responder publishing the chunks to it and an empty end marker.</summary>
    public async Task<TimeSpan> StreamAsync(int chunks)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        long start = Stopwatch.GetTimestamp();
        string inbox = _requester.NewInbox();
        await using var sub = await _requester.SubscribeCoreAsync<byte[]>(inbox, cancellationToken: timeout.Token);
        var count = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(count, chunks);
        await _requester.PublishAsync(StreamService, count, replyTo: inbox, cancellationToken: timeout.Token);
        int seen = 0;
        var last = TimeSpan.Zero;
        await foreach (var msg in sub.Msgs.ReadAllAsync(timeout.Token))
        {
            if (msg.Data is not { Length: > 0 })
            {
                break;
            }

            if (++seen == chunks)
            {
                last = Stopwatch.GetElapsedTime(start);
            }
        }

        return seen == chunks ? last : throw new InvalidOperationException($"NATS: the stream ended after {seen} of {chunks} chunks.");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or NatsException)
        {
            // Stopping: the loops end by cancellation.
        }

        await _requester.DisposeAsync();
        await _responder.DisposeAsync();
        _stop.Dispose();
    }

    private static async Task<NatsConnection> ConnectAsync(PeerProcess server, string name)
    {
        var connection = new NatsConnection(new NatsOpts
        {
            Url = "nats://127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture),
            Name = name,
            // A streamed reply is 1,001 messages on one subscription: wait rather than drop when its channel is full.
            SubPendingChannelCapacity = 4096,
            SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
        });
        await connection.ConnectAsync();
        return connection;
    }

    private async Task SetUpAsync()
    {
        await _responderJs.CreateStreamAsync(new StreamConfig("PEERS_REQ", ["preq.>"]) { Storage = StreamConfigStorage.File });
        await _responderJs.CreateStreamAsync(new StreamConfig("PEERS_REP", ["prep.>"]) { Storage = StreamConfigStorage.File });
        await _responderJs.CreateStreamAsync(new StreamConfig("PEERS_PUB", ["ppub.>"]) { Storage = StreamConfigStorage.File });
        var service = await _responderJs.CreateOrUpdateConsumerAsync("PEERS_REQ",
            new ConsumerConfig("svc") { AckPolicy = ConsumerConfigAckPolicy.Explicit, MaxAckPending = 4096 });
        var caller = await _requesterJs.CreateOrUpdateConsumerAsync("PEERS_REP",
            new ConsumerConfig("caller") { FilterSubject = ReplySubject, AckPolicy = ConsumerConfigAckPolicy.Explicit, MaxAckPending = 4096 });

        var core = await _responder.SubscribeCoreAsync<byte[]>(CoreService);
        var streams = await _responder.SubscribeCoreAsync<byte[]>(StreamService);
        var token = _stop.Token;
        _loops.Add(Task.Run(async () =>
        {
            await using var _ = core;
            await foreach (var msg in core.Msgs.ReadAllAsync(token))
            {
                await msg.ReplyAsync(msg.Data, cancellationToken: token);
            }
        }, token));
        _loops.Add(Task.Run(async () =>
        {
            await using var _ = streams;
            await foreach (var msg in streams.Msgs.ReadAllAsync(token))
            {
                int count = BinaryPrimitives.ReadInt32LittleEndian(msg.Data);
                for (int i = 0; i < count; i++)
                {
                    await _responder.PublishAsync(msg.ReplyTo!, _chunk, cancellationToken: token);
                }

                await _responder.PublishAsync(msg.ReplyTo!, Array.Empty<byte>(), cancellationToken: token);
            }
        }, token));
        _loops.Add(Task.Run(() => RespondAsync(service, token), token));
        _loops.Add(Task.Run(async () =>
        {
            await foreach (var msg in caller.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = 512 }, cancellationToken: token))
            {
                if (msg.Headers is { } headers && headers.TryGetValue("id", out var id) && _pending.TryGetValue(long.Parse(id.ToString(), CultureInfo.InvariantCulture), out var reply))
                {
                    reply.TrySetResult();
                }

                await msg.AckAsync(cancellationToken: token);
            }
        }, token));
    }

    /// <summary>
    /// The JetStream responder: each request handled concurrently (up to 128, as the agent layer runs handlers
    /// concurrently), its reply published to the stored reply subject and awaited before the request is acked.
    /// </summary>
    private async Task RespondAsync(INatsJSConsumer service, CancellationToken token)
    {
        // Not disposed: a handler still running when the loop stops releases its slot after it.
        var slots = new SemaphoreSlim(ResponderConcurrency);
        await foreach (var msg in service.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = 512 }, cancellationToken: token))
        {
            await slots.WaitAsync(token);
            _ = HandleAsync(msg);
        }

        async Task HandleAsync(INatsJSMsg<byte[]> msg)
        {
            try
            {
                var headers = msg.Headers!;
                var replyHeaders = new NatsHeaders { ["id"] = headers["id"] };
                var ack = await _responderJs.PublishAsync(headers["reply"].ToString(), msg.Data, headers: replyHeaders, cancellationToken: token);
                ack.EnsureSuccess();
                await msg.AckAsync(cancellationToken: token);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
