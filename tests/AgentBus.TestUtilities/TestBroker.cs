using System.Security.Cryptography.X509Certificates;
using AgentBus.Broker;
using AgentBus.Client.Configuration;
using AgentBus.Server.Embedded;
using AgentBus.Server.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AgentBus.TestUtilities;

/// <summary>
/// The real broker server (<see cref="EmbeddedBroker"/>) for a test, on a free loopback port and its own data folder.
/// Disposing it fails the test when the broker logged an error nobody expected (in the manner of grpc-dotnet's
/// VerifyNoErrorsScope); <see cref="Expect"/> admits the ones a test provokes. It can be stopped and restarted on
/// the same port and data folder, as a crashed or redeployed broker would come back.
/// </summary>
/// <example>
/// <code>
/// await using var broker = await TestBroker.StartAsync(output, options => options.AutoCreate = false);
/// broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", MessageType.Lite));
/// await using var producer = await broker.Provider.NewProducerBuilder().BuildAsync();
/// </code>
/// </example>
public sealed partial class TestBroker : IAsyncDisposable
{
    private readonly CapturingLoggerProvider _logs;
    private readonly ILoggerFactory _loggerFactory;
    private readonly List<Func<LogEntry, bool>> _expected = [];
    private readonly Action<BrokerOptions>? _configure;
    private readonly Action<ServerOptions>? _configureServer;
    private readonly bool _ownsDataDirectory;
    private EmbeddedBroker? _broker;
    private int _disposed;

    private TestBroker(Settings settings)
    {
        _logs = new CapturingLoggerProvider(settings.MinimumLogLevel);
        var output = settings.Output;
        _loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(settings.MinimumLogLevel).AddProvider(_logs);
            if (output is not null)
            {
                logging.AddProvider(new TestOutputLoggerProvider(output, settings.MinimumLogLevel));
            }
        });
        _configure = settings.Configure;
        _configureServer = settings.ConfigureServer;
        Certificate = settings.Certificate;
        _ownsDataDirectory = settings.DataDirectory is null;
        DataDirectory = settings.DataDirectory ?? Path.Combine(Path.GetTempPath(), "agentbus-test-" + Guid.NewGuid().ToString("N"));
        _credentials = settings.Credentials;
    }

    /// <summary>The running broker (a new instance after <see cref="RestartAsync"/>).</summary>
    /// <exception cref="InvalidOperationException">The broker is stopped.</exception>
    public EmbeddedBroker Broker => _broker ?? throw new InvalidOperationException("The test broker is stopped.");

    /// <summary>The engine of the running broker, for setup and inspection.</summary>
    public BrokerEngine Engine => Broker.Engine;

    /// <summary>The running broker's services.</summary>
    public IServiceProvider Services => Broker.Services;

    /// <summary>The loopback port, the same across restarts.</summary>
    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:PORT</c>, the access point for RocketMQ clients.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary><c>http://127.0.0.1:PORT</c> (<c>https://</c> when the broker serves TLS), for gRPC channels.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The data folder, the same across restarts; a temporary one is deleted when the broker is disposed.</summary>
    public string DataDirectory { get; }

    /// <summary>The certificate the broker serves TLS with, trusted by this broker's channels and clients; null for cleartext.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>
    /// The broker's logger factory: give it to clients under test too, so their errors are captured (and fail the
    /// test) with the broker's. It lives as long as the test broker.
    /// </summary>
    public ILoggerFactory LoggerFactory => _loggerFactory;

    /// <summary>What the broker logged at or above the level it was started with (warnings by default), oldest first.</summary>
    public IReadOnlyCollection<LogEntry> Logs => _logs.Entries;

    /// <summary>Errors the broker logged that no <see cref="Expect"/> admits; disposing fails the test unless this is empty.</summary>
    public IReadOnlyList<LogEntry> UnexpectedErrors
    {
        get
        {
            lock (_expected)
            {
                return [.. _logs.Errors.Where(entry => !_expected.Any(expected => expected(entry)))];
            }
        }
    }

    /// <summary>
    /// Starts a broker as it runs by default, but for a smaller commit-log segment. On a free loopback port and a fresh
    /// temporary data folder unless <paramref name="dataDirectory"/> names one (which is kept).
    /// </summary>
    /// <param name="output">The test's output, which then shows the broker's log; null keeps it quiet.</param>
    /// <param name="configure">Changes the engine options (quotas, auto-create, flush mode...).</param>
    /// <param name="configureServer">Changes the server options (long polling, authentication...).</param>
    /// <param name="certificate">Serves TLS with this certificate; the broker's channels and clients trust it.</param>
    /// <param name="credentials">Credentials <see cref="Provider"/> signs its calls with.</param>
    /// <param name="dataDirectory">A data folder to use (and keep), e.g. to start a second broker on the first one's data.</param>
    /// <param name="minimumLogLevel">The lowest level captured in <see cref="Logs"/> (and written to <paramref name="output"/>).</param>
    /// <returns>The running broker; dispose it to stop it and check its log.</returns>
    public static Task<TestBroker> StartAsync(ITestOutputHelper? output = null, Action<BrokerOptions>? configure = null,
        Action<ServerOptions>? configureServer = null, X509Certificate2? certificate = null, SessionCredentials? credentials = null,
        string? dataDirectory = null, LogLevel minimumLogLevel = LogLevel.Warning) =>
        StartAsync(new Settings(output, configure, configureServer, certificate, credentials, dataDirectory, minimumLogLevel));

    /// <summary>
    /// Starts a broker set up for tests of clients: it tells clients to retry quickly (100 ms, at most 500 ms apart)
    /// and holds long polls for 5 s, so a client notices a stopped or restarted broker within a second or two; and it
    /// admits the gRPC host's error line about a client that reset a request stream (a client cancelling a receive
    /// before its request arrived). Parameters as for <see cref="StartAsync"/>; <paramref name="configureServer"/>
    /// runs after these settings.
    /// </summary>
    /// <param name="output">The test's output, which then shows the broker's log; null keeps it quiet.</param>
    /// <param name="configure">Changes the engine options.</param>
    /// <param name="configureServer">Changes the server options, after the client-test settings.</param>
    /// <param name="certificate">Serves TLS with this certificate; the broker's channels and clients trust it.</param>
    /// <param name="credentials">Credentials <see cref="Provider"/> signs its calls with.</param>
    /// <param name="dataDirectory">A data folder to use (and keep).</param>
    /// <param name="minimumLogLevel">The lowest level captured in <see cref="Logs"/>.</param>
    /// <returns>The running broker.</returns>
    public static async Task<TestBroker> StartForClientsAsync(ITestOutputHelper? output = null, Action<BrokerOptions>? configure = null,
        Action<ServerOptions>? configureServer = null, X509Certificate2? certificate = null, SessionCredentials? credentials = null,
        string? dataDirectory = null, LogLevel minimumLogLevel = LogLevel.Warning)
    {
        var broker = await StartAsync(new Settings(output, configure, server =>
        {
            server.BackoffInitial = TimeSpan.FromMilliseconds(100);
            server.BackoffMax = TimeSpan.FromMilliseconds(500);
            server.LongPollingTimeout = TimeSpan.FromSeconds(5);
            configureServer?.Invoke(server);
        }, certificate, credentials, dataDirectory, minimumLogLevel));
        broker.Expect(static entry => entry.Category.StartsWith("Grpc.AspNetCore.Server", StringComparison.Ordinal)
            && entry.Exception is IOException { Message: "The client reset the request stream." });
        return broker;
    }

    /// <summary>Admits log entries matching <paramref name="predicate"/> past the no-unexpected-errors check.</summary>
    /// <param name="predicate">True for an entry the test expects.</param>
    public void Expect(Func<LogEntry, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        lock (_expected)
        {
            _expected.Add(predicate);
        }
    }

    /// <summary>Stops the broker (clients see it go away); <see cref="RestartAsync"/> brings it back.</summary>
    /// <returns>A task that completes when the broker stopped and flushed its data.</returns>
    public async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _broker, null) is { } broker)
        {
            await broker.DisposeAsync();
        }
    }

    /// <summary>Stops the broker if it runs and starts it again on the same port, data folder and options.</summary>
    /// <returns>A task that completes when the broker accepts calls again.</returns>
    public async Task RestartAsync()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await StopAsync();
        await StartBrokerAsync();
    }

    /// <summary>Stops the broker, deletes a temporary data folder and fails the test if the broker logged an unexpected error.</summary>
    /// <returns>A task that completes when the broker is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        DisposeClients();
        await StopAsync();
        _loggerFactory.Dispose();
        if (_ownsDataDirectory)
        {
            DeleteQuietly(DataDirectory);
        }

        var unexpected = UnexpectedErrors;
        Assert.True(unexpected.Count == 0, "The broker logged unexpected errors:\n" + string.Join("\n", unexpected));
    }

    private static async Task<TestBroker> StartAsync(Settings settings)
    {
        var broker = new TestBroker(settings);
        try
        {
            await broker.StartBrokerAsync();
            return broker;
        }
        catch
        {
            broker._loggerFactory.Dispose();
            if (broker._ownsDataDirectory)
            {
                DeleteQuietly(broker.DataDirectory);
            }

            throw;
        }
    }

    private async Task StartBrokerAsync()
    {
        // The first start takes a free port; restarts take the same one, which can be briefly unavailable after its release.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
                {
                    DataDirectory = DataDirectory,
                    Port = Port,
                    LoggerFactory = _loggerFactory,
                    ServerCertificate = Certificate,
                    ConfigureServer = _configureServer,
                    ConfigureBroker = options =>
                    {
                        options.SegmentSize = 16 << 20;
                        _configure?.Invoke(options);
                    },
                });
                Port = _broker.Port;
                Address = _broker.Address;
                return;
            }
            catch (IOException) when (Port != 0 && attempt < 20)
            {
                await Task.Delay(100);
            }
        }
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private sealed record Settings(ITestOutputHelper? Output, Action<BrokerOptions>? Configure, Action<ServerOptions>? ConfigureServer,
        X509Certificate2? Certificate, SessionCredentials? Credentials, string? DataDirectory, LogLevel MinimumLogLevel);
}
