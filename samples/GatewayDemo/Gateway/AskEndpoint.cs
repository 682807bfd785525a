using System.Text.Json;
using AgentBus;
using Microsoft.Extensions.Logging;

namespace GatewayDemo.Gateway;

/// <summary><c>POST /agents/{agent}/ask</c>: one HTTP request, one bus request, the reply routed back to this instance.</summary>
internal static class AskEndpoint
{
    public static async Task<IResult> HandleAsync(string agent, HttpContext http, GatewayAgentHost gateway, DemoOptions options,
        ILoggerFactory loggers)
    {
        var (body, problem) = await AskInput.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (problem is not null)
        {
            return TypedResults.Problem(problem);
        }

        string requestId = GatewayRequests.NewId();
        http.Response.Headers[GatewayApp.RequestIdHeader] = requestId;
        var request = new RequestOptions
        {
            RequestId = requestId,
            Timeout = body!.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : options.Timeout,
            RequireLiveAgent = options.RequireLiveAgent,
        };
        try
        {
            // The question travels as a JSON string; the reply is passed on as the agent wrote it.
            var reply = await gateway.Agent.RequestAsync<string, JsonElement>(agent, body.Question!, request, http.RequestAborted)
                .ConfigureAwait(false);
            return TypedResults.Ok(new AskResponse(agent, requestId, gateway.InstanceId, reply));
        }
        catch (Exception ex) when (GatewayProblems.TryFrom(ex, out var failure))
        {
            GatewayLog.Failed(loggers.CreateLogger(typeof(AskEndpoint)), gateway.InstanceId, requestId, agent, failure.Status, failure.Title);
            return TypedResults.Problem(failure);
        }
    }
}
