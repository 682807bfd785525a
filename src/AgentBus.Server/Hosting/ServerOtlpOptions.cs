namespace AgentBus.Server.Hosting;

/// <summary>
/// OTLP export of the broker's metrics and traces (section <c>Server:Telemetry:Otlp</c>), off unless
/// <see cref="Endpoint"/> is set.
/// </summary>
public sealed class ServerOtlpOptions
{
    /// <summary>The OTLP/gRPC protocol name.</summary>
    public const string Grpc = "grpc";

    /// <summary>The OTLP/HTTP protocol name (protobuf bodies).</summary>
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>
    /// The collector's base address, e.g. <c>http://127.0.0.1:4317</c> for <see cref="Grpc"/> or
    /// <c>http://127.0.0.1:4318</c> for <see cref="HttpProtobuf"/>, where <c>/v1/metrics</c> and <c>/v1/traces</c> are
    /// appended as for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>. Unset (the default), nothing is exported.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string Protocol { get; set; } = Grpc;

    /// <summary>Milliseconds between metric exports, and at most between trace batches (default 60000; at least 100).</summary>
    public int ExportIntervalMs { get; set; } = 60_000;

    /// <summary>Whether OTLP export is on: an endpoint is set.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    internal Uri EndpointUri => new(Endpoint!, UriKind.Absolute);

    internal bool IsHttp => string.Equals(Protocol, HttpProtobuf, StringComparison.OrdinalIgnoreCase);

    internal void Validate()
    {
        if (!string.Equals(Protocol, Grpc, StringComparison.OrdinalIgnoreCase) && !IsHttp)
        {
            throw new ArgumentException($"Server:Telemetry:Otlp:Protocol must be '{Grpc}' or '{HttpProtobuf}', not '{Protocol}'.", nameof(Protocol));
        }

        if (ExportIntervalMs < 100)
        {
            throw new ArgumentOutOfRangeException(nameof(ExportIntervalMs), "Server:Telemetry:Otlp:ExportIntervalMs must be at least 100.");
        }

        if (Enabled && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"Server:Telemetry:Otlp:Endpoint must be an absolute http:// or https:// address, not '{Endpoint}'.", nameof(Endpoint));
        }
    }
}
