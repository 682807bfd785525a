using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentBus.Server.Http;

/// <summary>
/// Healthy whenever it runs: the process is up and answers HTTP. Liveness asks nothing of the engine, so a broker
/// that is busy recovering or draining is not restarted for it.
/// </summary>
internal sealed class LivenessHealthCheck : IHealthCheck
{
    /// <summary>The check's registration name.</summary>
    public const string Name = "process";

    /// <summary>The tag of the checks <c>/healthz/live</c> runs.</summary>
    public const string Tag = "live";

    private static readonly Task<HealthCheckResult> Alive = Task.FromResult(HealthCheckResult.Healthy("The process is up."));

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => Alive;
}
