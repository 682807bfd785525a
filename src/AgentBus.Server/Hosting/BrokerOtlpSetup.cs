using AgentBus.Server.Metrics;
using AgentBus.Server.Tracing;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentBus.Server.Hosting;

/// <summary>
/// Opt-in OTLP export (<c>Server:Telemetry:Otlp</c>): the meter <c>AgentBus.Broker</c> and the ActivitySource
/// <c>AgentBus.Server</c> pushed to a collector. It goes through the host's one OpenTelemetry registration, so an
/// application that adds its own instrumentation or exporters with <c>AddOpenTelemetry()</c> shares the same
/// providers (OpenTelemetry merges repeated calls).
/// </summary>
internal static class BrokerOtlpSetup
{
    /// <summary>Adds the export when <paramref name="options"/> has an endpoint; otherwise does nothing.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="options">The validated OTLP settings.</param>
    /// <param name="serviceName">The resource's <c>service.name</c> (<c>Server:BrokerName</c>).</param>
    public static void AddWhenEnabled(IServiceCollection services, ServerOtlpOptions options, string serviceName)
    {
        if (!options.Enabled)
        {
            return;
        }

        var endpoint = options.EndpointUri;
        var protocol = options.IsHttp ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        int interval = options.ExportIntervalMs;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(BrokerMetrics.MeterName, BrokerMetrics.RuntimeMeterName)
                .AddOtlpExporter((exporter, reader) =>
                {
                    Configure(exporter, endpoint, protocol, "v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
                }))
            .WithTracing(tracing => tracing
                .AddSource(BrokerTracing.SourceName)
                .AddOtlpExporter(exporter =>
                {
                    Configure(exporter, endpoint, protocol, "v1/traces");
                    exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = interval;
                }));
    }

    /// <summary>
    /// An endpoint set in code is taken as it is; over HTTP the signal's path is appended here, as the exporter does
    /// for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, so one base address serves both signals.
    /// </summary>
    private static void Configure(OtlpExporterOptions exporter, Uri endpoint, OtlpExportProtocol protocol, string signalPath)
    {
        exporter.Protocol = protocol;
        exporter.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? AppendPath(endpoint, signalPath) : endpoint;
    }

    internal static Uri AppendPath(Uri endpoint, string path)
    {
        string text = endpoint.AbsoluteUri;
        return new Uri(text.EndsWith('/') ? text + path : text + "/" + path);
    }
}
