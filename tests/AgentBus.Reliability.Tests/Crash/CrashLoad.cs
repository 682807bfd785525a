using AgentBus.Client;
using AgentBus.Client.Configuration;
using AgentBus.Client.Errors;
using AgentBus.Client.Producing;

namespace AgentBus.Reliability.Tests.Crash;

/// <summary>
/// Producers that send without pause, concurrently, to lite topics of <see cref="LiteParent"/> and to the normal topic
/// <see cref="NormalTopic"/>, each message with a unique id as its key and in its checksummed body. Each send is
/// one attempt (<c>SetMaxAttempts(1)</c>); after a failure (the broker was killed) the producer sends the same id
/// again until it is acknowledged, so the ledger knows which ids were retried.
/// </summary>
internal sealed class CrashLoad : IAsyncDisposable
{
    public const string LiteParent = "crash-lite";
    public const string NormalTopic = "crash-normal";
    public const int LiteTopicsPerProducer = 4;

    // Bounded: a broker that stays away this many attempts in a row fails the run.
    private const int MaxAttemptsPerMessage = 200;

    private readonly ClientServiceProvider _provider;
    private readonly List<Producer> _producers = [];
    private readonly List<Task> _running = [];
    private readonly CancellationTokenSource _stop = new();
    private long _failedAttempts;

    private CrashLoad(ClientServiceProvider provider, SendLedger ledger)
    {
        _provider = provider;
        Ledger = ledger;
    }

    public SendLedger Ledger { get; }

    /// <summary>Sends that failed (and were retried), all producers together.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Builds the producers against <paramref name="endpoint"/> and starts sending.</summary>
    public static async Task<CrashLoad> StartAsync(string endpoint, int seed, int liteProducers, int normalProducers)
    {
        var provider = new ClientServiceProvider(new ClientConfiguration { Endpoints = endpoint, RequestTimeout = TimeSpan.FromSeconds(3) });
        var load = new CrashLoad(provider, new SendLedger());
        for (int i = 0; i < liteProducers + normalProducers; i++)
        {
            bool lite = i < liteProducers;
            var producer = await provider.NewProducerBuilder().SetTopics(lite ? LiteParent : NormalTopic).SetMaxAttempts(1).BuildAsync();
            load._producers.Add(producer);
            string name = (lite ? "lite" : "normal") + i;
            var random = new Random(unchecked((seed * 31) + 1000 + i));
            load._running.Add(Task.Run(() => load.RunAsync(producer, name, lite, random)));
        }

        return load;
    }

    /// <summary>Lets every producer finish its current message (acknowledged) and stop.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var producer in _producers)
        {
            await producer.DisposeAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(Producer producer, string name, bool lite, Random random)
    {
        // Bounded by the stop token; the id sequence itself ends far beyond any run.
        for (long seq = 0; !_stop.IsCancellationRequested && seq < long.MaxValue; seq++)
        {
            string id = $"{name}-{seq}";
            string? liteTopic = lite ? $"{name}-s{seq % LiteTopicsPerProducer}" : null;
            string topic = lite ? LiteParent : NormalTopic;
            byte[] body = CrashMessage.Encode(id, random.Next(16, 2048), random);
            for (int attempt = 1; ; attempt++)
            {
                var builder = _provider.NewMessageBuilder().SetTopic(topic).SetKeys(id).SetBody(body);
                if (liteTopic is not null)
                {
                    builder.SetLiteTopic(liteTopic);
                }

                Ledger.Attempted(id, topic, liteTopic);
                try
                {
                    await producer.SendAsync(builder.Build());
                    Ledger.Acknowledged(id);
                    break;
                }
                catch (ClientException) when (attempt < MaxAttemptsPerMessage)
                {
                    Interlocked.Increment(ref _failedAttempts);
                    // A killed broker refuses connections at once; a short pause keeps the retries from spinning.
                    await Task.Delay(TimeSpan.FromMilliseconds(20));
                }
            }
        }
    }
}
