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

    [Theory]
    [InlineData(LogLevel.Information, "anything", false, true)]
    [InlineData(LogLevel.Error, "The request stream was aborted.", true, true)]   // a unary request cut while arriving
    [InlineData(LogLevel.Error, "The client reset the request stream.", false, true)]
    [InlineData(LogLevel.Error, "Disk full", false, false)]                        // not a transport abort: stays an error
    [InlineData(LogLevel.Warning, "The request stream was aborted.", true, false)]
    public void A_read_failure_of_a_departed_client_is_a_disconnect_and_other_errors_are_not(LogLevel level, string message, bool aborted, bool disconnect)
    {
        var exception = new IOException(message, aborted ? new Microsoft.AspNetCore.Connections.ConnectionAbortedException("The HTTP/2 connection faulted.") : null);

        Assert.Equal(disconnect, AgentBus.Server.Logging.ClientDisconnectLogFilter.IsDisconnect(AgentBus.Server.Logging.ClientDisconnectLogFilter.Category, level, exception));
        Assert.False(AgentBus.Server.Logging.ClientDisconnectLogFilter.IsDisconnect("AgentBus.Server", level, exception));
    }
}
