using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentBus;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace GatewayDemo.Gateway;

/// <summary>
/// <c>GET|POST /agents/{agent}/stream</c>: a streamed bus reply relayed as server-sent events. Each chunk is an event
/// with the chunk's JSON as data and an id (<see cref="StreamEventId"/>); the stream ends with an <c>end</c> event,
/// or a <c>failure</c> event holding a problem. A request with <c>Last-Event-ID</c> — to this instance or any
/// other — resumes that stream after that chunk instead of asking again.
/// </summary>
internal static class StreamEndpoint
{
    public const string LastEventIdHeader = "Last-Event-ID";

    public static async Task<IResult> HandleAsync(string agent, HttpContext http, GatewayAgentHost gateway, StreamRelays relays,
        DemoOptions options, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(StreamEndpoint));
        var ct = http.RequestAborted;
        string? lastEventId = http.Request.Headers[LastEventIdHeader];
        StreamPosition? resume = null;
        AskBody? ask = null;
        int? timeoutMs;
        if (!string.IsNullOrEmpty(lastEventId))
        {
            if (!StreamEventId.TryParse(lastEventId, out var position))
            {
                return TypedResults.Problem(GatewayProblems.BadRequest(
                    $"{LastEventIdHeader} must be an event id this gateway sent ({{requestId}}:{{sequence}}@{{instance}}), not '{lastEventId}'."));
            }

            if (position.Ended)
            {
                return TypedResults.NoContent(); // the stream is over: 204 stops an EventSource from reconnecting
            }

            ProblemDetails? problem;
            (timeoutMs, problem) = AskInput.ReadTimeout(http.Request.Query);
            if (problem is not null)
            {
                return TypedResults.Problem(problem);
            }

            resume = position;
        }
        else
        {
            ProblemDetails? problem;
            (ask, problem) = HttpMethods.IsPost(http.Request.Method)
                ? await AskInput.ReadBodyAsync(http.Request, ct).ConfigureAwait(false)
                : AskInput.ReadQuery(http.Request.Query);
            if (problem is not null)
            {
                return TypedResults.Problem(problem);
            }

            timeoutMs = ask!.TimeoutMs;
        }

        var timeout = timeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : options.Timeout;
        string requestId = resume?.RequestId ?? GatewayRequests.NewId();
        http.Response.Headers[GatewayApp.RequestIdHeader] = requestId;
        if (resume is { Holder: { } holder } && holder != gateway.InstanceId)
        {
            await ReleaseElsewhereAsync(gateway, holder, requestId, logger, ct).ConfigureAwait(false);
        }

        StreamRelay relay;
        try
        {
            relay = await relays.BeginAsync(requestId, ct).ConfigureAwait(false); // takes over a relay of it still running here
        }
        catch (StreamTakenOverException ex)
        {
            return TypedResults.Problem(TakenOver(ex.Message));
        }

        http.Response.RegisterForDisposeAsync(relay); // also when the result never runs (the client left first)
        IAsyncEnumerable<JsonElement> chunks;
        if (resume is { } from)
        {
            GatewayLog.Resuming(logger, gateway.InstanceId, requestId, from.Sequence);
            chunks = gateway.Agent.ResumeStreamAsync<JsonElement>(requestId, from.Sequence, timeout, relay.Token);
        }
        else
        {
            chunks = gateway.Agent.StreamAsync<string, JsonElement>(agent, ask!.Question!, new RequestOptions
            {
                RequestId = requestId,
                Timeout = timeout,
                RequireLiveAgent = options.RequireLiveAgent,
            }, relay.Token);
        }

        var reader = chunks.GetAsyncEnumerator(relay.Token);
        relay.Attach(reader);

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
        catch (OperationCanceledException) when (relay.IsTakenOver)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
            return TypedResults.Problem(TakenOver($"Another connection took over the stream of request {requestId}."));
        }
        catch (InvalidOperationException) when (resume is not null)
        {
            // A relay that did not let go in time still reads the stream here: the client retries (an EventSource does).
            return TypedResults.Problem(TakenOver($"The stream of request {requestId} is still relayed by another connection; retry."));
        }

        long after = resume?.Sequence ?? -1;
        return TypedResults.ServerSentEvents(RelayAsync(relay, reader, any, after, agent, gateway.InstanceId, logger));
    }

    private static async IAsyncEnumerable<SseItem<string>> RelayAsync(StreamRelay relay, IAsyncEnumerator<JsonElement> reader, bool any,
        long after, string agent, string instance, ILogger logger, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string requestId = relay.RequestId;
        long sequence = after;
        bool more = any;
        while (more)
        {
            sequence++;
            yield return new SseItem<string>(reader.Current.GetRawText()) { EventId = StreamEventId.Format(requestId, sequence, instance) };
            ProblemDetails? failure = null;
            try
            {
                more = await reader.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (GatewayProblems.TryFrom(ex, out failure))
            {
                more = false;
            }
            catch (OperationCanceledException) when (relay.IsTakenOver && !ct.IsCancellationRequested)
            {
                // Let go of the stream at once (the new connection waits for it), then tell this client, if it still listens.
                await relay.DisposeAsync().ConfigureAwait(false);
                failure = TakenOver($"Another connection took over the stream of request {requestId}.");
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

    private static async Task ReleaseElsewhereAsync(GatewayAgentHost gateway, string holder, string requestId, ILogger logger,
        CancellationToken ct)
    {
        try
        {
            bool released = await gateway.ReleaseElsewhereAsync(holder, requestId, ct).ConfigureAwait(false);
            GatewayLog.Released(logger, gateway.InstanceId, requestId, holder, released ? "it let go" : "it was not relaying it");
        }
        catch (AgentBusException ex)
        {
            // Gone (its subscriptions went with it) or not answering: resume anyway.
            GatewayLog.Released(logger, gateway.InstanceId, requestId, holder, ex.Message);
        }
    }

    private static ProblemDetails TakenOver(string detail) =>
        new() { Status = StatusCodes.Status409Conflict, Title = "Stream taken over", Detail = detail };
}
