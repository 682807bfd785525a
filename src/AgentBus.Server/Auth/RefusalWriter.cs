using AgentBus.Server.Logging;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace AgentBus.Server.Auth;

/// <summary>Writes the one response of a streaming call refused before its handler ran.</summary>
internal static class RefusalWriter
{
    /// <summary>Writes <paramref name="reply"/>; a client that is gone already is logged as such, not as a failure.</summary>
    public static async Task WriteAsync<TResponse>(IServerStreamWriter<TResponse> stream, TResponse reply, ServerCallContext context, ILogger logger)
        where TResponse : class
    {
        try
        {
            await stream.WriteAsync(reply).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            ServerLog.ClientGone(logger, context.Method, null);
        }
    }
}
