using System.Diagnostics;
using AgentBus.Client;
using AgentBus.Client.Configuration;
using AgentBus.Client.Messages;
using AgentBus.Client.Producing;

namespace AgentBus.Benchmarks.Harness.Peers;

/// <summary>
/// AgentBus's side of the peers scenario, against one standalone broker: request/response through the agent layer
/// (<c>RequestAsync</c> served by <c>ReplyAsync</c>), a durable publish with a client producer (<c>SendAsync</c> of
/// one lite message), and a streamed reply (<c>StreamAsync</c>, the handler writing with <c>OpenReplyStream</c>).
/// Send coalescing 128 everywhere, as in the agent scenarios: concurrent sends share a call, as the peers' clients
/// pipeline theirs on one connection.
/// </summary>
internal sealed class AgentBusPeer : IAsyncDisposable
{
    private const string Service = "svc";
    private const string Streamer = "streamer";
    private const int Coalescing = 128;

    private readonly AgentBusClient _bus;
    private readonly Agent _server;
    private readonly Agent _streamer;
    private readonly Agent _caller;
    private readonly Producer _producer;
    private readonly byte[] _payload;
    private readonly Message[] _publishes;

    private AgentBusPeer(AgentBusClient bus, Agent server, Agent streamer, Agent caller, Producer producer, byte[] payload, Message[] publishes)
    {
        _bus = bus;
        _server = server;
        _streamer = streamer;
        _caller = caller;
        _producer = producer;
        _payload = payload;
        _publishes = publishes;
    }

    public static async Task<AgentBusPeer> StartAsync(PeerProcess broker, byte[] payload, byte[] chunk, int workers)
    {
        string endpoint = "127.0.0.1:" + broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bus = await AgentBusClient.ConnectAsync(new AgentBusOptions { Endpoints = endpoint, ParentTopic = PeerServers.AgentParent, SendCoalescing = Coalescing });
        var server = await bus.CreateAgentAsync(Service, (ctx, ct) => ctx.ReplyAsync(ctx.Body, ct));
        var streamer = await bus.CreateAgentAsync(Streamer, async (ctx, ct) =>
        {
            int count = ctx.GetBody<int>();
            var stream = ctx.OpenReplyStream<byte[]>();
            for (int i = 0; i < count; i++)
            {
                await stream.WriteAsync(chunk, ct);
            }

            await stream.CompleteAsync(ct);
        });
        var caller = await bus.CreateAgentAsync("bench-caller");
        var provider = new ClientServiceProvider(new ClientConfiguration { Endpoints = endpoint, RequestTimeout = TimeSpan.FromSeconds(10) });
        var producer = await provider.NewProducerBuilder().SetTopics(PeerServers.PublishParent).EnableSendCoalescing(Coalescing).BuildAsync();
        // One lite topic per worker, as the peers' publishers each have a subject or key; built once, sent many times.
        var publishes = Enumerable.Range(0, workers).Select(w => provider.NewMessageBuilder().SetTopic(PeerServers.PublishParent)
            .SetLiteTopic("pub-" + w.ToString(System.Globalization.CultureInfo.InvariantCulture)).SetBody(payload).Build()).ToArray();
        return new AgentBusPeer(bus, server, streamer, caller, producer, payload, publishes);
    }

    public async Task RequestAsync(int worker)
    {
        var reply = await _caller.RequestAsync<byte[], byte[]>(Service, _payload);
        if (reply.Length != _payload.Length)
        {
            throw new InvalidOperationException("AgentBus: a reply of the wrong size.");
        }
    }

    public Task PublishAsync(int worker) => _producer.SendAsync(_publishes[worker]);

    /// <summary>One streamed reply of <paramref name="chunks"/> chunks; the time from the request to the last chunk.</summary>
    public async Task<TimeSpan> StreamAsync(int chunks)
    {
        long start = Stopwatch.GetTimestamp();
        var last = TimeSpan.Zero;
        int seen = 0;
        await foreach (var _ in _caller.StreamAsync<int, byte[]>(Streamer, chunks))
        {
            if (++seen == chunks)
            {
                last = Stopwatch.GetElapsedTime(start);
            }
        }

        return seen == chunks ? last : throw new InvalidOperationException($"AgentBus: the stream ended after {seen} of {chunks} chunks.");
    }

    public async ValueTask DisposeAsync()
    {
        await _producer.DisposeAsync();
        await _caller.DisposeAsync();
        await _streamer.DisposeAsync();
        await _server.DisposeAsync();
        await _bus.DisposeAsync();
    }
}
