using System.Globalization;
using AgentBus.Client;
using AgentBus.Client.Configuration;
using AgentBus.Client.Lite;
using NATS.Client.Core;
using StackExchange.Redis;

namespace AgentBus.Benchmarks.Harness.Peers;

/// <summary>
/// The idle-scale population of each system, each through its own .NET client: AgentBus lite topics with one message
/// and one lite subscription each, NATS core subscriptions, Redis streams with one entry each. Whatever the harness
/// must keep alive for the population to stay (consumers, connections) is held until disposal.
/// </summary>
internal sealed class IdleTopics : IAsyncDisposable
{
    /// <summary>The lite parent topic of the idle lite topics, and the group their subscriptions belong to.</summary>
    public const string AgentBusParent = "bench-idle";
    public const string AgentBusGroup = "bench-idle-workers";

    /// <summary>
    /// Lite subscriptions per client in the run: the broker's quota (<c>Broker:MaxLiteSubscriptionsPerClient</c>,
    /// 2,000 by default) is raised to this for the idle broker, so 1,000,000 subscriptions take 20 clients, not 500.
    /// </summary>
    public const int SubscriptionsPerClient = 50_000;

    private const int NatsSubscriptionsPerConnection = 100_000;
    private const int InFlight = 256;

    private readonly List<IAsyncDisposable> _held = [];

    private IdleTopics()
    {
    }

    public static string Name(long i) => "idle-" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Sends one message of <paramref name="body"/> to each of <paramref name="count"/> lite topics (a producer with send
    /// coalescing, 256 in flight), then subscribes each once from <see cref="LiteSimpleConsumer"/>s of
    /// <see cref="SubscriptionsPerClient"/> lite topics each (one PARTIAL_ADD per lite topic, 256 in flight in all).
    /// Simple consumers that never receive: the messages stay stored and unconsumed.
    /// </summary>
    public static async Task<IdleTopics> AgentBusAsync(PeerProcess broker, int count, byte[] body)
    {
        var idle = new IdleTopics();
        try
        {
            var provider = new ClientServiceProvider(new ClientConfiguration
            {
                Endpoints = "127.0.0.1:" + broker.Port.ToString(CultureInfo.InvariantCulture),
                RequestTimeout = TimeSpan.FromSeconds(30),
            });
            var timer = System.Diagnostics.Stopwatch.StartNew();
            var producer = await provider.NewProducerBuilder().SetTopics(AgentBusParent).EnableSendCoalescing(128).BuildAsync();
            idle._held.Add(producer);
            long next = -1;
            await ClosedLoop.RunAsync(InFlight, count, _ =>
            {
                long i = Interlocked.Increment(ref next);
                return producer.SendAsync(provider.NewMessageBuilder().SetTopic(AgentBusParent).SetLiteTopic(Name(i)).SetBody(body).Build());
            });

            Console.WriteLine($"  AgentBus: {count:N0} sends in {timer.Elapsed.TotalSeconds:F1} s");
            timer.Restart();
            var consumers = new LiteSimpleConsumer[(count + SubscriptionsPerClient - 1) / SubscriptionsPerClient];
            for (int c = 0; c < consumers.Length; c++)
            {
                consumers[c] = await provider.NewLiteSimpleConsumerBuilder().BindTopic(AgentBusParent).SetConsumerGroup(AgentBusGroup).BuildAsync();
                idle._held.Add(consumers[c]);
            }

            next = -1;
            await ClosedLoop.RunAsync(InFlight, count, _ =>
            {
                long i = Interlocked.Increment(ref next);
                return consumers[i / SubscriptionsPerClient].SubscribeLiteAsync(Name(i));
            });
            Console.WriteLine($"  AgentBus: {count:N0} lite subscriptions (one PARTIAL_ADD each) from {consumers.Length} clients in {timer.Elapsed.TotalSeconds:F1} s");
            return idle;
        }
        catch
        {
            await idle.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="count"/> core subscriptions (<c>SubscribeCoreAsync</c> to subject <c>idle.N</c>) on connections
    /// of 100,000 each, subscribing in parallel; a PING per connection then makes sure the server has them all.
    /// </summary>
    public static async Task<IdleTopics> NatsAsync(PeerProcess server, int count)
    {
        var idle = new IdleTopics();
        try
        {
            int connections = (count + NatsSubscriptionsPerConnection - 1) / NatsSubscriptionsPerConnection;
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
            {
                var connection = new NatsConnection(new NatsOpts
                {
                    Url = "nats://127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture),
                    Name = "bench-idle-" + c.ToString(CultureInfo.InvariantCulture),
                    SubPendingChannelCapacity = 16,
                    // Each subscription waits for its SUB to be written; 100,000 of them on a loaded machine take a while.
                    CommandTimeout = TimeSpan.FromMinutes(5),
                });
                lock (idle._held)
                {
                    idle._held.Add(connection);
                }

                await connection.ConnectAsync();
                var subscriptions = new List<INatsSub<byte[]>>(NatsSubscriptionsPerConnection);
                int end = Math.Min(count, (c + 1) * NatsSubscriptionsPerConnection);
                for (int i = c * NatsSubscriptionsPerConnection; i < end; i++)
                {
                    subscriptions.Add(await connection.SubscribeCoreAsync<byte[]>("idle." + i.ToString(CultureInfo.InvariantCulture)));
                }

                await connection.PingAsync();
                lock (idle._held)
                {
                    idle._held.Add(new Held(subscriptions));
                }
            }));
            return idle;
        }
        catch
        {
            await idle.DisposeAsync();
            throw;
        }
    }

    /// <summary><paramref name="count"/> streams <c>idle:N</c>, one XADD of <paramref name="body"/> each, pipelined in batches of 10,000.</summary>
    public static async Task<IdleTopics> RedisAsync(PeerProcess server, int count, byte[] body)
    {
        var idle = new IdleTopics();
        var connection = await RedisPeer.ConnectAsync(server);
        idle._held.Add(connection);
        var db = connection.GetDatabase();
        const int Batch = 10_000;
        for (int start = 0; start < count; start += Batch)
        {
            int end = Math.Min(count, start + Batch);
            await Task.WhenAll(Enumerable.Range(start, end - start)
                .Select(i => db.StreamAddAsync("idle:" + i.ToString(CultureInfo.InvariantCulture), "b", body)));
        }

        return idle;
    }

    public async ValueTask DisposeAsync()
    {
        IAsyncDisposable[] held;
        lock (_held)
        {
            held = [.. _held];
            _held.Clear();
        }

        for (int i = held.Length - 1; i >= 0; i--)
        {
            try
            {
                // Bounded: NATS.Net unsubscribes 100,000 subscriptions one by one on disposal, which can stall on a
                // loaded machine; the server process is stopped next in any case.
                await held[i].DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or TimeoutException or RedisException or NatsException)
            {
                // Stopping anyway; the server process is stopped next.
            }
        }
    }

    /// <summary>Keeps the NATS subscriptions referenced; the connection's disposal ends them.</summary>
    private sealed class Held(List<INatsSub<byte[]>> subscriptions) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            subscriptions.Clear();
            return ValueTask.CompletedTask;
        }
    }
}
