using AgentBus.Broker.Topics;
using AgentBus.Client;
using AgentBus.Client.Configuration;
using AgentBus.Client.Producing;
using AgentBus.Server.Embedded;

namespace AgentBus.Benchmarks.Harness;

/// <summary>The broker (embedded, or one given with --endpoint) and a client provider for the client scenarios.</summary>
internal sealed class ClientHarness : IAsyncDisposable
{
    public const string Parent = "bench-agents";

    private readonly EmbeddedBroker? _broker;
    private readonly string _directory;

    private ClientHarness(EmbeddedBroker? broker, string endpoint, string directory)
    {
        _broker = broker;
        _directory = directory;
        Provider = new ClientServiceProvider(new ClientConfiguration { Endpoints = endpoint, RequestTimeout = TimeSpan.FromSeconds(10) });
    }

    public ClientServiceProvider Provider { get; }

    /// <summary>The broker's endpoint (the embedded one's loopback address, or --endpoint).</summary>
    public string Endpoint => Provider.Configuration.Endpoints;

    /// <summary>The embedded broker's engine, or null against a broker given with --endpoint.</summary>
    public Broker.BrokerEngine? Engine => _broker?.Engine;

    public static async Task<ClientHarness> StartAsync(HarnessOptions options, int maxSubscriptionsPerClient = 2000)
    {
        if (options.Endpoint is { } endpoint)
        {
            return new ClientHarness(null, endpoint, options.Directory);
        }

        var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            DataDirectory = options.Directory,
            ConfigureBroker = o =>
            {
                o.MaxLiteSubscriptionsPerClient = maxSubscriptionsPerClient;
                o.ReadySetCapacity = Math.Max(o.ReadySetCapacity, 4096);
            },
        });
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
        return new ClientHarness(broker, broker.Endpoint, options.Directory);
    }

    /// <summary>A producer of <see cref="Parent"/>, coalescing up to <paramref name="sendCoalescing"/> concurrent sends (0: one request per send).</summary>
    public Task<Producer> NewProducerAsync(int sendCoalescing)
    {
        var builder = Provider.NewProducerBuilder().SetTopics(Parent);
        if (sendCoalescing > 0)
        {
            builder.EnableSendCoalescing(sendCoalescing);
        }

        return builder.BuildAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
