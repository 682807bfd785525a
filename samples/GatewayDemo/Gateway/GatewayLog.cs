using Microsoft.Extensions.Logging;

namespace GatewayDemo.Gateway;

/// <summary>The gateway's log lines. A failed bus call is the caller's or the agent's business, not the gateway's error: Information.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(1, LogLevel.Information, "{Instance}: request {RequestId} to agent {Agent} answered {Status}: {Reason}")]
    public static partial void Failed(ILogger logger, string instance, string requestId, string agent, int? status, string? reason);

    [LoggerMessage(2, LogLevel.Information, "{Instance}: resuming stream {RequestId} after chunk {Sequence}")]
    public static partial void Resuming(ILogger logger, string instance, string requestId, long sequence);

    [LoggerMessage(3, LogLevel.Information, "{Instance}: before resuming stream {RequestId}, asked {Holder} to let go of it: {Outcome}")]
    public static partial void Released(ILogger logger, string instance, string requestId, string holder, string outcome);
}
