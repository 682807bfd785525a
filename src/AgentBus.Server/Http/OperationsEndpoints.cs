using AgentBus.Server.Hosting;
using AgentBus.Server.Http.Dashboard;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentBus.Server.Http;

/// <summary>
/// The operations listener's services and endpoints (<c>Server:Http</c>): health, Prometheus and the dashboard. Its
/// endpoints answer on that listener only; on the gRPC port they are not found.
/// </summary>
internal static class OperationsEndpoints
{
    /// <summary>Liveness: the process is up.</summary>
    public const string LivePath = "/healthz/live";

    /// <summary>Readiness: the broker serves.</summary>
    public const string ReadyPath = "/healthz/ready";

    /// <summary>Registers the listener's state, the health checks and, as configured, Prometheus and the dashboard.</summary>
    public static void AddOperations(IServiceCollection services, ServerOptions configured)
    {
        services.AddSingleton<OperationsListener>();
        services.AddHealthChecks()
            .AddCheck<LivenessHealthCheck>(LivenessHealthCheck.Name, tags: [LivenessHealthCheck.Tag])
            .AddCheck<ReadinessHealthCheck>(ReadinessHealthCheck.Name, tags: [ReadinessHealthCheck.Tag]);
        if (!configured.Http.Enabled)
        {
            return;
        }

        PrometheusSetup.AddPrometheus(services);
        services.AddSingleton<DashboardAccess>();
        services.AddSingleton<DashboardReader>();
    }

    /// <summary>Maps the endpoints, when the listener is on, and logs where it listens once the server runs.</summary>
    public static void MapOperations(IEndpointRouteBuilder endpoints, ServerOptions options)
    {
        if (!options.Http.Enabled)
        {
            return;
        }

        var services = endpoints.ServiceProvider;
        var listener = services.GetRequiredService<OperationsListener>();
        List<IEndpointConventionBuilder> mapped =
        [
            endpoints.MapHealthChecks(LivePath, Tagged(LivenessHealthCheck.Tag)),
            endpoints.MapHealthChecks(ReadyPath, Tagged(ReadinessHealthCheck.Tag)),
            PrometheusSetup.MapPrometheus(endpoints),
        ];
        if (options.Http.Dashboard)
        {
            mapped.AddRange(DashboardEndpoints.Map(endpoints));
        }

        foreach (var builder in mapped)
        {
            OnListenerOnly(builder, listener);
        }

        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            if (listener.Address is { } address)
            {
                var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentBus.Server");
                OperationsLog.Listening(logger, address.GetLeftPart(UriPartial.Authority), options.Http.Dashboard ? ", /dashboard" : "");
            }
        });
    }

    /// <summary>The checks with <paramref name="tag"/>: 200 when healthy, else 503 (a broker that does not serve is
    /// Degraded, see <see cref="ReadinessHealthCheck.NotReady"/>).</summary>
    private static HealthCheckOptions Tagged(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    /// <summary>Answers 404 for a request to the endpoint that did not come in on the operations listener.</summary>
    private static void OnListenerOnly(IEndpointConventionBuilder builder, OperationsListener listener) =>
        builder.Add(endpoint =>
        {
            if (endpoint.RequestDelegate is not { } inner)
            {
                return;
            }

            endpoint.RequestDelegate = context =>
            {
                if (listener.Received(context))
                {
                    return inner(context);
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            };
        });
}
