using AgentBus.Server.Metrics;
using OpenTelemetry.Metrics;

namespace AgentBus.Server.Http;

/// <summary>
/// The Prometheus scrape endpoint of the operations listener: the broker's meter (<c>AgentBus.Broker</c>, which the
/// server's limit counters share) read through OpenTelemetry's Prometheus exporter. Other OpenTelemetry setups of the
/// application (an OTLP exporter, more meters) join the same meter provider.
/// </summary>
internal static class PrometheusSetup
{
    /// <summary>Where Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    /// <summary>Registers the exporter.</summary>
    public static void AddPrometheus(IServiceCollection services) =>
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(BrokerMetrics.MeterName).AddPrometheusExporter());

    /// <summary>Maps the scrape endpoint.</summary>
    public static IEndpointConventionBuilder MapPrometheus(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Path);
}
