using AgentBus.Server.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentBus.Server.Http;

/// <summary>
/// Ready while the broker serves: the engine recovered and opened, the server started (the gRPC endpoint accepts
/// calls), and no shutdown has begun. A stopping broker turns unready at once, before its listeners close, so a load
/// balancer stops sending it clients while its calls drain.
/// </summary>
internal sealed class ReadinessHealthCheck : IHealthCheck
{
    /// <summary>The check's registration name.</summary>
    public const string Name = "broker-ready";

    /// <summary>The tag of the checks <c>/healthz/ready</c> runs.</summary>
    public const string Tag = "ready";

    private readonly BrokerEngineHost _host;
    private readonly IHostApplicationLifetime _lifetime;

    public ReadinessHealthCheck(BrokerEngineHost host, IHostApplicationLifetime lifetime)
    {
        _host = host;
        _lifetime = lifetime;
    }

    /// <summary>
    /// The status of a broker that does not serve yet or any more: Degraded, which <c>/healthz/ready</c> answers with
    /// 503. Starting and stopping are expected states, which the health check service would log as errors if Unhealthy.
    /// </summary>
    public const HealthStatus NotReady = HealthStatus.Degraded;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            _lifetime.ApplicationStopping.IsCancellationRequested ? new HealthCheckResult(NotReady, "The broker is stopping.")
            : !_lifetime.ApplicationStarted.IsCancellationRequested ? new HealthCheckResult(NotReady, "The broker is starting.")
            : !_host.IsRunning ? new HealthCheckResult(NotReady, "The broker engine is not open.")
            : HealthCheckResult.Healthy("The broker serves."));
}
