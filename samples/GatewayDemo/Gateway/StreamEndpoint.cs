using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentBus;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace GatewayDemo.Gateway;

/// <summary>
/// <c>GET|POST /agents/{agent}/stream</c>: a streamed bus reply relayed as server-sent events. Each chunk is an event
/// with id <c>{requestId}:{sequence}</c> and the chunk's JSON as data; the stream ends with an <c>end</c> event, or a
/// <c>failure</c> event holding a problem. A request with <c>Last-Event-ID</c> — to this instance or any other —
/// resumes that stream after that chunk instead of asking again.
/// </summary>
internal static class StreamEndpoint
{
    public const string LastEventIdHeader = "Last-Event-ID";

    public static async Task<IResult> HandleAsync(string agent, HttpContext http, GatewayAgentHost gateway, DemoOptions options,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(StreamEndpoint));
        var ct = http.RequestAborted;
        string requestId;
        long after;
        IAsyncEnumerable<JsonElement> chunks;
        string? lastEventId = http.Request.Headers[LastEventIdHeader];
        if (!string.IsNullOrEmpty(lastEventId))
        {
            if (!StreamEventId.TryParse(lastEventId, out requestId, out after, out bool ended))
            {
                return TypedResults.Problem(GatewayProblems.BadRequest(
                    $"{LastEventIdHeader} must be an event id this gateway sent ({{requestId}}:{{sequence}}), not '{lastEventId}'."));
            }

            if (ended)
            {
                return TypedResults.NoContent(); // the stream is over: 204 stops an EventSource from reconnecting
            }

            var (timeoutMs, problem) = AskInput.ReadTimeout(http.Request.Query);
            if (problem is not null)
            {
                return TypedResults.Problem(problem);
            }

            GatewayLog.Resuming(logger, gateway.InstanceId, requestId, after);
            var timeout = timeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : options.Timeout;
            chunks = gateway.Agent.ResumeStreamAsync<JsonElement>(requestId, after, timeout, ct);
        }
        else
        {
            var (body, problem) = HttpMethods.IsPost(http.Request.Method)
                ? await AskInput.ReadBodyAsync(http.Request, ct).ConfigureAwait(false)
                : AskInput.ReadQuery(http.Request.Query);
            if (problem is not null)
            {
                return TypedResults.Problem(problem);
            }

            requestId = GatewayRequests.NewId();
            after = -1;
            chunks = gateway.Agent.StreamAsync<string, JsonElement>(agent, body!.Question!, new RequestOptions
            {
                RequestId = requestId,
                Timeout = body.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : options.Timeout,
                RequireLiveAgent = options.RequireLiveAgent,
            }, ct);
        }

        http.Response.Headers[GatewayApp.RequestIdHeader] = requestId;
        var reader = chunks.GetAsyncEnumerator(ct);
        http.Response.RegisterForDisposeAsync(reader); // also when the result never runs (the client left first)

        // Wait for the first chunk before the response starts, so a failure to start (no replica, no answer, the agent
        // failed) is still an HTTP status; later failures can only be events.
        bool any;
        try
        {
            any = await reader.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (GatewayProblems.TryFrom(ex, out var failure))
        {
            GatewayLog.Failed(logger, gateway.InstanceId, requestId, agent, failure.Status, failure.Title);
            return TypedResults.Problem(failure);
        }

        return TypedResults.ServerSentEvents(RelayAsync(reader, any, requestId, after, agent, gateway.InstanceId, logger, ct));
    }

    private static async IAsyncEnumerable<SseItem<string>> RelayAsync(IAsyncEnumerator<JsonElement> reader, bool any, string requestId,
        long after, string agent, string instance, ILogger logger, [EnumeratorCancellation] CancellationToken ct)
    {
        long sequence = after;
        bool more = any;
        while (more)
        {
            ct.ThrowIfCancellationRequested();
            sequence++;
            yield return new SseItem<string>(reader.Current.GetRawText()) { EventId = StreamEventId.Format(requestId, sequence) };
            ProblemDetails? failure = null;
            try
            {
                more = await reader.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (GatewayProblems.TryFrom(ex, out failure))
            {
                more = false;
            }

            if (failure is not null)
            {
                GatewayLog.Failed(logger, instance, requestId, agent, failure.Status, failure.Title);
                yield return new SseItem<string>(JsonSerializer.Serialize(failure), "failure");
                yield break;
            }
        }

        yield return new SseItem<string>(JsonSerializer.Serialize(new { requestId, chunks = sequence + 1 }), "end")
        {
            EventId = StreamEventId.FormatEnd(requestId),
        };
    }
}
