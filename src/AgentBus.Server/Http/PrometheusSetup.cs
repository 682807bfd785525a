using AgentBus.Server.Metrics;
using OpenTelemetry.Metrics;

namespace AgentBus.Server.Http;

/// <summary>
/// The Prometheus scrape endpoint of the operations listener: the broker's meter (<c>AgentBus.Broker</c>, which the
/// server's limit counters share) and the .NET runtime's own meter (<c>System.Runtime</c>: GC heap after the last
/// collection, collections, working set, thread pool), read through OpenTelemetry's Prometheus exporter. The runtime
/// figures are what tells a growing heap from memory the GC has not returned yet. Other OpenTelemetry setups of the
/// application (an OTLP exporter, more meters) join the same meter provider.
/// </summary>
internal static class PrometheusSetup
{
    /// <summary>Where Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    /// <summary>Registers the exporter.</summary>
    public static void AddPrometheus(IServiceCollection services) =>
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(BrokerMetrics.MeterName, BrokerMetrics.RuntimeMeterName).AddPrometheusExporter());

    /// <summary>Maps the scrape endpoint.</summary>
    public static IEndpointConventionBuilder MapPrometheus(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Path);
}
