using AgentBus.Server.Embedded;
using Microsoft.Extensions.Logging;

namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>
/// An <see cref="EmbeddedBroker"/> on a free loopback port, configured for one scenario: auto-creation off, the
/// scenario's broker options and users applied and its topics and groups created, every log line captured.
/// </summary>
internal sealed class InteropBroker : IAsyncDisposable
{
    private readonly EmbeddedBroker _broker;
    private readonly ILoggerFactory _loggerFactory;

    private InteropBroker(EmbeddedBroker broker, ILoggerFactory loggerFactory, CapturedLogs logs)
    {
        _broker = broker;
        _loggerFactory = loggerFactory;
        Logs = logs;
    }

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Endpoint => _broker.Endpoint;

    /// <summary>What the broker logged.</summary>
    public CapturedLogs Logs { get; }

    /// <summary>
    /// Starts the broker. <paramref name="createResources"/> is false when restarting on a data directory that
    /// already holds the definitions: they must come back from disk.
    /// </summary>
    public static async Task<InteropBroker> StartAsync(ScenarioResources resources, string? dataDirectory = null, bool createResources = true)
    {
        var logs = new CapturedLogs();
        var loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        EmbeddedBroker? broker = null;
        try
        {
            broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
            {
                DataDirectory = dataDirectory,
                LoggerFactory = loggerFactory,
                ConfigureBroker = options =>
                {
                    // Scenarios must declare what they use, and definitions must survive restarts on their own.
                    options.AutoCreate = false;
                    resources.ApplyTo(options);
                },
                ConfigureServer = resources.ApplyTo,
            });
            if (createResources)
            {
                resources.CreateIn(broker.Engine.Topics);
            }

            return new InteropBroker(broker, loggerFactory, logs);
        }
        catch
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }

            loggerFactory.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _loggerFactory.Dispose();
    }
}
