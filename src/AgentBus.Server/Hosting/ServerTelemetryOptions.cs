namespace AgentBus.Server.Hosting;

/// <summary>
/// Export of the broker's own telemetry (configuration section <c>Server:Telemetry</c>): the meter
/// <c>AgentBus.Broker</c> and the ActivitySource <c>AgentBus.Server</c>. Not to be confused with the RocketMQ
/// protocol's Telemetry stream, which carries client settings.
/// </summary>
public sealed class ServerTelemetryOptions
{
    /// <summary>Push export over OTLP (section <c>Server:Telemetry:Otlp</c>); off unless an endpoint is set.</summary>
    public ServerOtlpOptions Otlp { get; set; } = new();
}
