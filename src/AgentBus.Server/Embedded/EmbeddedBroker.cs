using System.Globalization;
using AgentBus.Broker;
using AgentBus.Server.Hosting;
using AgentBus.Server.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Embedded;

/// <summary>
/// The broker server running in-process on a loopback port: the same server as the standalone host (<c>AddAgentBusBroker</c>, <c>MapAgentBusBroker</c>) (Kestrel,
/// HTTP/2 cleartext or TLS, the RocketMQ v5 MessagingService, authentication when configured), so clients speak the
/// real protocol to it. Used by tests, samples and applications that carry their own broker.
/// </summary>
/// <example>
/// <code>
/// await using var broker = await EmbeddedBroker.StartAsync();
/// // Point any RocketMQ 5 client at broker.Endpoint ("127.0.0.1:PORT"), without TLS
/// // (with TLS when EmbeddedBrokerOptions.ServerCertificate is set: see IsTls).
/// </code>
/// </example>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _temporaryDirectory;
    private int _disposed;

    private EmbeddedBroker(WebApplication app, int port, string dataDirectory, string? temporaryDirectory)
    {
        _app = app;
        _temporaryDirectory = temporaryDirectory;
        Port = port;
        DataDirectory = dataDirectory;
        var server = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
        IsTls = server.Tls.Enabled;
        IsAuthenticated = server.Auth.Enabled;
        Endpoint = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");
        Address = new Uri((IsTls ? "https://" : "http://") + Endpoint);
        Engine = app.Services.GetRequiredService<BrokerEngineHost>().Engine;
        OperationsAddress = ServerAddresses.Operations(app.Services);
    }

    /// <summary><c>127.0.0.1:PORT</c>, the access point for RocketMQ clients.</summary>
    public string Endpoint { get; }

    /// <summary><c>http://127.0.0.1:PORT</c> (<c>https://</c> with TLS), for gRPC channels.</summary>
    public Uri Address { get; }

    /// <summary>Whether the broker serves TLS (HTTP/2 over TLS) rather than HTTP/2 cleartext; clients set their TLS switch to match.</summary>
    public bool IsTls { get; }

    /// <summary>Whether the broker requires signed credentials on every MessagingService and AdminService call (<c>Server:Auth:Enabled</c>).</summary>
    public bool IsAuthenticated { get; }

    /// <summary>
    /// <c>http://127.0.0.1:PORT</c> (<c>https://</c> with TLS) of the operations listener — <c>/healthz/live</c>,
    /// <c>/healthz/ready</c>, <c>/metrics</c> and, when enabled, <c>/dashboard/</c> — or null when it is off, as it is
    /// unless <c>Server:Http:Enabled</c> turns it on (in <see cref="EmbeddedBrokerOptions.Configuration"/> or
    /// <see cref="EmbeddedBrokerOptions.ConfigureServer"/>). It listens on a free port unless <c>Server:Http:Port</c> is given.
    /// </summary>
    public Uri? OperationsAddress { get; }

    /// <summary>The port the broker listens on.</summary>
    public int Port { get; }

    /// <summary>The data folder in use.</summary>
    public string DataDirectory { get; }

    /// <summary>The engine behind the server, for direct inspection and administration.</summary>
    public BrokerEngine Engine { get; }

    /// <summary>The server's services (options, the meter factory, logging).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a broker on a loopback port and returns once it accepts calls.</summary>
    /// <param name="options">How to start; null uses a temporary data folder and a free port.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running broker; dispose it to stop it.</returns>
    public static async Task<EmbeddedBroker> StartAsync(EmbeddedBrokerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new EmbeddedBrokerOptions();
        string? temporary = options.DataDirectory is null
            ? Path.Combine(Path.GetTempPath(), "agentbus-" + Guid.NewGuid().ToString("N"))
            : null;
        string dataDirectory = options.DataDirectory ?? temporary!;

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore();
        if (options.Configuration is { } configuration)
        {
            builder.Configuration.AddConfiguration(configuration);
        }

        var listen = new Dictionary<string, string?>
        {
            ["Server:Address"] = "127.0.0.1",
            ["Server:Port"] = options.Port.ToString(CultureInfo.InvariantCulture),
        };
        if (options.Configuration?["Server:Http:Port"] is null)
        {
            // The operations listener, when turned on, takes a free port as the broker does, not the standalone 8082.
            listen["Server:Http:Port"] = "0";
        }

        builder.Configuration.AddInMemoryCollection(listen);
        // A client's disconnect is not logged as an Information-level stack trace (see ClientDisconnectLogFilter).
        builder.Services.AddSingleton(options.LoggerFactory is null ? NullLoggerFactory.Instance : ClientDisconnectLogFilter.Wrap(options.LoggerFactory));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>(); // stopped by DisposeAsync, not by the process's signals
        var certificate = options.ServerCertificate;
        var configureServer = options.ConfigureServer;
        var configureBroker = options.ConfigureBroker;
        builder.AddAgentBusBroker(
            broker =>
            {
                broker.DataDirectory = dataDirectory;
                configureBroker?.Invoke(broker);
            },
            server =>
            {
                if (certificate is not null)
                {
                    server.Tls.Certificate = certificate;
                }

                configureServer?.Invoke(server);
            });

        var app = builder.Build();
        app.MapAgentBusBroker();
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
            return new EmbeddedBroker(app, PortOf(app), dataDirectory, temporary);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            DeleteQuietly(temporary);
            throw;
        }
    }

    /// <summary>Stops the server, closes the engine (flush, offset checkpoint) and deletes a temporary data folder.</summary>
    /// <returns>A task that completes when the broker is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            DeleteQuietly(_temporaryDirectory);
        }
    }

    private static int PortOf(WebApplication app)
    {
        foreach (string address in ServerAddresses.Of(app.Services))
        {
            return new Uri(address).Port;
        }

        throw new InvalidOperationException("The embedded broker reports no listening address.");
    }

    private static void DeleteQuietly(string? directory)
    {
        if (directory is null || !Directory.Exists(directory))
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary folder is harmless.
        }
    }
}
