using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace AgentBus.Server.Metrics;

/// <summary>
/// Keeps the host's OpenTelemetry metrics (the Prometheus scrape, OTLP export, and any reader the application adds to
/// the same provider) to this broker's own instruments. OpenTelemetry subscribes to meters by name, process-wide, so
/// with two brokers in one process (two embedded brokers, or a host that runs a second one) each provider would also
/// read the other broker's <c>AgentBus.Broker</c> meter and add its figures into the same series. Each broker's meter
/// comes from its own host's <see cref="IMeterFactory"/>, which is the meter's <see cref="Meter.Scope"/>: a view drops
/// every <c>AgentBus.Broker</c> instrument of another scope. Other meters pass untouched: the runtime's
/// <c>System.Runtime</c> meter is one per process (no scope), its figures are the process's whatever the number of
/// brokers, and each provider reads them once.
/// </summary>
internal static class OwnMetersOnly
{
    /// <summary>Adds the view to the host's meter provider, whoever builds it.</summary>
    public static void AddTo(IServiceCollection services) =>
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            var own = provider.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => IsAnotherBrokers(instrument, own) ? MetricStreamConfiguration.Drop : null);
        });

    /// <summary>Whether <paramref name="instrument"/> is a broker instrument of a meter that <paramref name="own"/> did not create.</summary>
    internal static bool IsAnotherBrokers(Instrument instrument, IMeterFactory own) =>
        string.Equals(instrument.Meter.Name, BrokerMetrics.MeterName, StringComparison.Ordinal) && !ReferenceEquals(instrument.Meter.Scope, own);
}
