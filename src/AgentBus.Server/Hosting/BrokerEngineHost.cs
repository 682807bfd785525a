using AgentBus.Broker;
using AgentBus.Broker.Clients;
using AgentBus.Broker.Consumption;
using AgentBus.Server.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Hosting;

/// <summary>
/// Owns the engine's lifetime inside the host: opens (and recovers) it before the server accepts calls, creates the
/// declared topics and groups, and disposes it (flush and offset checkpoint) after the server stopped.
/// </summary>
internal sealed class BrokerEngineHost : IHostedService, IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly ResourceDeclarations _declarations;
    private readonly TelemetryHub _telemetry;
    private readonly ClientSettings _clientSettings;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private BrokerEngine? _engine;

    /// <summary>Creates the host; the engine opens in <see cref="StartAsync"/>.</summary>
    /// <param name="options">Engine options (section <c>Broker</c>).</param>
    /// <param name="declarations">Topics and groups to create at startup.</param>
    /// <param name="telemetry">Telemetry streams, told about exclusive-mode evictions.</param>
    /// <param name="server">Server options: the bounds on clients and the auto-renewal, mapped onto the engine's clients.</param>
    /// <param name="time">Clock for the engine.</param>
    /// <param name="loggerFactory">Logging for the engine.</param>
    public BrokerEngineHost(IOptions<BrokerOptions> options, IOptions<ResourceDeclarations> declarations, TelemetryHub telemetry,
        IOptions<ServerOptions> server, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _declarations = declarations.Value;
        _telemetry = telemetry;
        var settings = server.Value;
        _clientSettings = new ClientSettings(
            new ClientAdmission(settings.MaxClients, settings.MaxClientIdLength),
            new ReceiptRenewal(settings.MaxAutoRenewEntries, settings.MaxAutoRenewDuration, settings.AutoRenewAhead, settings.AutoRenewInvisibleDuration),
            settings.AutoRenewInterval);
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<BrokerEngineHost>();
    }

    /// <summary>The running engine.</summary>
    /// <exception cref="InvalidOperationException">The host has not started.</exception>
    public BrokerEngine Engine => _engine ?? throw new InvalidOperationException("The broker engine is not open.");

    /// <summary>Raised when the engine has opened, before the server accepts calls (metrics hook the engine here).</summary>
    internal event Action<BrokerEngine>? Opened;

    /// <summary>Whether the engine is open.</summary>
    public bool IsRunning => Volatile.Read(ref _engine) is not null;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var engine = await BrokerEngine.OpenAsync(_options, _clientSettings, _time, _loggerFactory).ConfigureAwait(false);
        try
        {
            foreach (var topic in _declarations.Topics)
            {
                engine.Topics.CreateTopic(topic.ToDefinition());
            }

            foreach (var group in _declarations.Groups)
            {
                engine.Topics.CreateGroup(group.ToDefinition());
            }
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        engine.LiteUnsubscribed += _telemetry.NotifyUnsubscribed;
        Volatile.Write(ref _engine, engine);
        Opened?.Invoke(engine);
        ServerLog.EngineOpened(_logger, Path.GetFullPath(_options.DataDirectory), engine.Topics.Topics.Count, engine.Topics.Groups.Count);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        var engine = Interlocked.Exchange(ref _engine, null);
        if (engine is null)
        {
            return;
        }

        engine.LiteUnsubscribed -= _telemetry.NotifyUnsubscribed;
        await engine.DisposeAsync().ConfigureAwait(false);
        ServerLog.EngineClosed(_logger);
    }
}
