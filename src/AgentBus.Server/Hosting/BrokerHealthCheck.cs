using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentBus.Server.Hosting;

/// <summary>Healthy while the engine is open (served by the standard gRPC health service).</summary>
internal sealed class BrokerHealthCheck : IHealthCheck
{
    /// <summary>The check's registration name; the service names of the health service map to it.</summary>
    public const string Name = "broker";

    private readonly BrokerEngineHost _host;

    /// <summary>Creates the check.</summary>
    /// <param name="host">The engine's host.</param>
    public BrokerHealthCheck(BrokerEngineHost host) => _host = host;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_host.IsRunning ? HealthCheckResult.Healthy("The broker engine is open.") : HealthCheckResult.Unhealthy("The broker engine is not open."));
}
