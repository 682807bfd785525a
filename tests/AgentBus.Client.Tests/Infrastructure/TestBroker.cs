using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using AgentBus.Broker;
using AgentBus.Client.Configuration;
using AgentBus.Server.Embedded;
using AgentBus.Server.Hosting;
using AgentBus.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AgentBus.Client.Tests.Infrastructure;

/// <summary>
/// An embedded broker on a loopback port and a client provider pointed at it. Disposing it fails the test when the
/// broker logged an error nobody expected.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly Action<BrokerOptions>? _configure;
    private readonly Action<ServerOptions>? _configureServer;
    private readonly X509Certificate2? _certificate;
    private readonly List<Func<LogEntry, bool>> _expected =
    [
        // A client that cancels a receive before its request message arrived: the gRPC host logs the reset itself.
        static e => e.Category.StartsWith("Grpc.AspNetCore.Server", StringComparison.Ordinal)
            && e.Exception is IOException { Message: "The client reset the request stream." },
    ];

    private TestBroker(string dataDirectory, int port, Action<BrokerOptions>? configure, Action<ServerOptions>? configureServer,
        X509Certificate2? certificate, SessionCredentials? credentials)
    {
        DataDirectory = dataDirectory;
        Port = port;
        _configure = configure;
        _configureServer = configureServer;
        _certificate = certificate;
        _loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(_logs).SetMinimumLevel(LogLevel.Warning));
        Provider = new ClientServiceProvider(Configuration(credentials));
    }

    public EmbeddedBroker Broker { get; private set; } = null!;

    public ClientServiceProvider Provider { get; }

    public string DataDirectory { get; }

    public int Port { get; }

    public BrokerEngine Engine => Broker.Engine;

    /// <summary>
    /// Starts a broker on a fixed free port (so it can be restarted on the same port) with a fresh data folder. With
    /// <paramref name="certificate"/> it serves TLS and <see cref="Provider"/> trusts that certificate; with
    /// <paramref name="credentials"/> the provider signs its calls.
    /// </summary>
    public static async Task<TestBroker> StartAsync(Action<BrokerOptions>? configure = null, Action<ServerOptions>? configureServer = null,
        X509Certificate2? certificate = null, SessionCredentials? credentials = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "agentbus-client-" + Guid.NewGuid().ToString("N"));
        var broker = new TestBroker(directory, FreePort(), configure, configureServer, certificate, credentials);
        await broker.StartBrokerAsync();
        return broker;
    }

    /// <summary>A provider with a different configuration against this broker.</summary>
    public ClientServiceProvider ProviderWith(Func<string, ClientConfiguration> create) => new(create($"127.0.0.1:{Port}"));

    /// <summary>The configuration of <see cref="Provider"/> (TLS trusting the test certificate when the broker serves TLS), with other credentials.</summary>
    public ClientConfiguration Configuration(SessionCredentials? credentials) => new()
    {
        Endpoints = $"127.0.0.1:{Port}",
        RequestTimeout = TimeSpan.FromSeconds(3),
        Credentials = credentials,
        EnableTls = _certificate is not null,
        RemoteCertificateValidationCallback = _certificate is null ? null : TestCertificates.Trusting(_certificate),
    };

    /// <summary>Stops the broker (clients see it go away).</summary>
    public ValueTask StopAsync() => Broker.DisposeAsync();

    /// <summary>Starts the broker again on the same port and data folder.</summary>
    public async Task RestartAsync()
    {
        await Broker.DisposeAsync();
        await StartBrokerAsync();
    }

    public void Expect(Func<LogEntry, bool> predicate) => _expected.Add(predicate);

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        _loggerFactory.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        var unexpected = _logs.Entries.Where(e => e.Level >= LogLevel.Error && !_expected.Any(p => p(e))).ToList();
        Assert.True(unexpected.Count == 0, "The broker logged unexpected errors:\n" + string.Join("\n", unexpected));
    }

    private async Task StartBrokerAsync()
    {
        // Bounded: a freshly released port can be briefly unavailable.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
                {
                    DataDirectory = DataDirectory,
                    Port = Port,
                    LoggerFactory = _loggerFactory,
                    ServerCertificate = _certificate,
                    ConfigureServer = server =>
                    {
                        server.BackoffInitial = TimeSpan.FromMilliseconds(100);
                        server.BackoffMax = TimeSpan.FromMilliseconds(500);
                        server.LongPollingTimeout = TimeSpan.FromSeconds(5);
                        _configureServer?.Invoke(server);
                    },
                    ConfigureBroker = options =>
                    {
                        options.SegmentSize = 16 << 20;
                        _configure?.Invoke(options);
                    },
                });
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
