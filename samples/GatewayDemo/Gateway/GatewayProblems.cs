using AgentBus;
using Microsoft.AspNetCore.Mvc;

namespace GatewayDemo.Gateway;

/// <summary>
/// How bus failures and bad input become HTTP problems (RFC 9457 bodies): no replica running 503, no reply in time
/// 504, the agent failed or answered something unreadable 502, too many requests waiting 503, bad input 400.
/// </summary>
internal static class GatewayProblems
{
    public static ProblemDetails BadRequest(string detail) =>
        Create(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ProblemDetails UnsupportedMediaType() =>
        Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json.");

    /// <summary>The problem for a failure of a bus call; false for anything else (a bug or a transport failure: a 500).</summary>
    public static bool TryFrom(Exception exception, out ProblemDetails problem)
    {
        ProblemDetails? mapped = exception switch
        {
            AgentUnavailableException e => Create(StatusCodes.Status503ServiceUnavailable, "Agent unavailable", e.Message, e.AgentId),
            AgentTimeoutException e => Create(StatusCodes.Status504GatewayTimeout, "Agent timeout", e.Message, e.AgentId, e.RequestId),
            RemoteAgentException e => WithErrorType(
                Create(StatusCodes.Status502BadGateway, "Agent failed", e.RemoteMessage, e.AgentId, e.RequestId), e.ErrorType),
            RequestLimitExceededException e => Create(StatusCodes.Status503ServiceUnavailable, "Gateway busy", e.Message),
            InvalidAgentMessageException e => Create(StatusCodes.Status502BadGateway, "Unreadable reply", e.Message),
            // The rest of the bus's own failures (a stream closed before its end): the upstream side failed.
            AgentBusException e => Create(StatusCodes.Status502BadGateway, "Agent failed", e.Message),
            _ => null,
        };
        problem = mapped!;
        return mapped is not null;
    }

    private static ProblemDetails Create(int status, string title, string detail, string? agent = null, string? requestId = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (agent is not null)
        {
            problem.Extensions["agent"] = agent;
        }

        if (requestId is not null)
        {
            problem.Extensions["requestId"] = requestId;
        }

        return problem;
    }

    private static ProblemDetails WithErrorType(ProblemDetails problem, string errorType)
    {
        problem.Extensions["errorType"] = errorType;
        return problem;
    }
}
