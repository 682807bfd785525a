using AgentBus.Broker;
using AgentBus.Broker.Consumption;
using AgentBus.Server.Clients;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Hosting;

/// <summary>Periodic server-side work: renews auto-renewed deliveries and forgets silent clients (and their receive attempts).</summary>
internal sealed class MaintenanceService : BackgroundService
{
    private readonly BrokerEngineHost _host;
    private readonly ReceiptRenewer _renewer;
    private readonly ClientRegistry _clients;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _clientExpiry;
    private readonly ILogger<MaintenanceService> _logger;

    /// <summary>Creates the service.</summary>
    public MaintenanceService(BrokerEngineHost host, ReceiptRenewer renewer, ClientRegistry clients, TimeProvider time,
        IOptions<ServerOptions> options, IOptions<BrokerOptions> brokerOptions, ILogger<MaintenanceService> logger)
    {
        _host = host;
        _renewer = renewer;
        _clients = clients;
        _time = time;
        _interval = options.Value.AutoRenewInterval;
        _clientExpiry = brokerOptions.Value.ClientExpiry;
        _logger = logger;
    }

    /// <summary>Runs one round of the periodic work.</summary>
    public void RunOnce()
    {
        if (!_host.IsRunning)
        {
            return;
        }

        _renewer.RenewDue(_host.Engine);
        var silent = _clients.RemoveSilent(_clientExpiry);
        foreach (string clientId in silent)
        {
            _renewer.ForgetClient(clientId);
            _host.Engine.ReceiveAttempts.ForgetClient(clientId);
        }

        if (silent.Count > 0)
        {
            ServerLog.ClientsExpired(_logger, silent.Count);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    RunOnce();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _logger.LogError(ex, "Periodic server maintenance failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
