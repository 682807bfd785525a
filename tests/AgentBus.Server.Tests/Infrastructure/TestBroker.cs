using Microsoft.Extensions.DependencyInjection;
using AgentBus.Broker;
using AgentBus.Server.Embedded;
using AgentBus.Server.Hosting;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace AgentBus.Server.Tests.Infrastructure;

/// <summary>
/// An embedded broker on a free loopback port with a gRPC channel to it. Disposing it fails the test when the
/// broker logged an error nobody expected (in the manner of grpc-dotnet's VerifyNoErrorsScope).
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly CapturingLoggerProvider _logs;
    private readonly ILoggerFactory _loggerFactory;
    private readonly List<Func<LogEntry, bool>> _expected = [];
    private int _disposed;

    private TestBroker(EmbeddedBroker broker, CapturingLoggerProvider logs, ILoggerFactory loggerFactory)
    {
        Broker = broker;
        _logs = logs;
        _loggerFactory = loggerFactory;
        Channel = GrpcChannel.ForAddress(broker.Address, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
    }

    public EmbeddedBroker Broker { get; }

    public BrokerEngine Engine => Broker.Engine;

    public AgentBus.Server.Metrics.BrokerMetrics Metrics => Broker.Services.GetRequiredService<AgentBus.Server.Metrics.BrokerMetrics>();

    public GrpcChannel Channel { get; }

    public static async Task<TestBroker> StartAsync(Action<BrokerOptions>? configure = null, string? dataDirectory = null,
        Action<ServerOptions>? configureServer = null)
    {
        var logs = new CapturingLoggerProvider();
        var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Warning));
        var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            DataDirectory = dataDirectory,
            LoggerFactory = loggerFactory,
            ConfigureServer = configureServer,
            ConfigureBroker = options =>
            {
                options.SegmentSize = 16 << 20;
                configure?.Invoke(options);
            },
        });
        return new TestBroker(broker, logs, loggerFactory);
    }

    /// <summary>A client with its own id on the shared channel.</summary>
    public TestClient Client(string? clientId = null) => new(Channel, clientId ?? "client-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>A client on a channel of its own, to be cut off abruptly.</summary>
    public (TestClient Client, GrpcChannel Channel) ClientOnOwnChannel(string? clientId = null)
    {
        var channel = GrpcChannel.ForAddress(Broker.Address);
        return (new TestClient(channel, clientId ?? "client-" + Guid.NewGuid().ToString("N")[..12]), channel);
    }

    /// <summary>Lets log entries matching <paramref name="predicate"/> pass the no-error check.</summary>
    public void Expect(Func<LogEntry, bool> predicate) => _expected.Add(predicate);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Channel.Dispose();
        await Broker.DisposeAsync();
        _loggerFactory.Dispose();
        var unexpected = _logs.Entries.Where(e => e.Level >= LogLevel.Error && !_expected.Any(p => p(e))).ToList();
        Assert.True(unexpected.Count == 0, "The broker logged unexpected errors:\n" + string.Join("\n", unexpected));
    }
}
