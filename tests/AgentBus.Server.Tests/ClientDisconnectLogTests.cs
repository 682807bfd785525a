using AgentBus.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AgentBus.Server.Tests;

/// <summary>A client that goes away mid-stream is an ordinary event: no Information-level stack trace in the broker's log.</summary>
public sealed class ClientDisconnectLogTests
{
    [Fact]
    public async Task A_reset_connection_under_an_open_stream_logs_no_exception_at_information()
    {
        await using var broker = await TestBroker.StartAsync(minimumLogLevel: LogLevel.Debug);
        string clientId = "gone-" + Guid.NewGuid().ToString("N")[..8];
        using var channel = new ResettableChannel(broker.Address);
        using var telemetry = await channel.OpenTelemetryAsync(clientId);

        channel.Reset();

        await Eventually.TrueAsync(() => broker.Logs.Any(e => e.Message == $"Telemetry stream of client {clientId} closed"),
            what: "the broker to see the client go");
        var fromGrpc = broker.Logs.Where(e => e.Category == "Grpc.AspNetCore.Server.ServerCallHandler" && e.Exception is IOException).ToList();
        // The disconnect reached gRPC's reader (so the test exercised the case) and was written at Debug, not Information.
        Assert.NotEmpty(fromGrpc);
        Assert.All(fromGrpc, e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.DoesNotContain(broker.Logs, e => e.Level >= LogLevel.Information && e.Exception is not null);
    }
}
