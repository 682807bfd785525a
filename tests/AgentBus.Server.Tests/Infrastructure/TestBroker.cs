using Microsoft.Extensions.DependencyInjection;
using AgentBus.Broker;
using AgentBus.Server.Embedded;
using AgentBus.Server.Hosting;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
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
    private readonly X509Certificate2? _certificate;
    private int _disposed;

    private TestBroker(EmbeddedBroker broker, CapturingLoggerProvider logs, ILoggerFactory loggerFactory, X509Certificate2? certificate)
    {
        Broker = broker;
        _logs = logs;
        _loggerFactory = loggerFactory;
        _certificate = certificate;
        Channel = NewChannel();
    }

    public EmbeddedBroker Broker { get; }

    public BrokerEngine Engine => Broker.Engine;

    public AgentBus.Server.Metrics.BrokerMetrics Metrics => Broker.Services.GetRequiredService<AgentBus.Server.Metrics.BrokerMetrics>();

    public GrpcChannel Channel { get; }

    /// <summary>What the broker logged at or above the level it was started with (warnings by default).</summary>
    public IReadOnlyCollection<LogEntry> Logs => _logs.Entries;

    /// <summary>
    /// Starts a broker; with <paramref name="certificate"/> it serves TLS and the test's channels trust that certificate.
    /// </summary>
    public static async Task<TestBroker> StartAsync(Action<BrokerOptions>? configure = null, string? dataDirectory = null,
        Action<ServerOptions>? configureServer = null, X509Certificate2? certificate = null, LogLevel minimumLogLevel = LogLevel.Warning)
    {
        var logs = new CapturingLoggerProvider(minimumLogLevel);
        var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(minimumLogLevel));
        var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            DataDirectory = dataDirectory,
            LoggerFactory = loggerFactory,
            ConfigureServer = configureServer,
            ServerCertificate = certificate,
            ConfigureBroker = options =>
            {
                options.SegmentSize = 16 << 20;
                configure?.Invoke(options);
            },
        });
        return new TestBroker(broker, logs, loggerFactory, certificate);
    }

    /// <summary>A client with its own id on the shared channel; <paramref name="sign"/> adds headers (credentials) to its calls.</summary>
    public TestClient Client(string? clientId = null, Action<Metadata>? sign = null) =>
        new(Channel, clientId ?? "client-" + Guid.NewGuid().ToString("N")[..12], sign);

    /// <summary>A client on a channel of its own, to be cut off abruptly.</summary>
    public (TestClient Client, GrpcChannel Channel) ClientOnOwnChannel(string? clientId = null)
    {
        var channel = NewChannel();
        return (new TestClient(channel, clientId ?? "client-" + Guid.NewGuid().ToString("N")[..12]), channel);
    }

    /// <summary>A channel to the broker (over TLS trusting the test certificate when the broker serves TLS).</summary>
    public GrpcChannel NewChannel() => GrpcChannel.ForAddress(Broker.Address, new GrpcChannelOptions
    {
        MaxReceiveMessageSize = null,
        MaxSendMessageSize = null,
        HttpHandler = _certificate is null ? null : TestCertificates.TrustingHandler(_certificate),
    });

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
