using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentBus.Samples.Tests.Infrastructure;
using AgentBus.TestUtilities;
using GatewayDemo;
using GatewayDemo.Gateway;
using GatewayDemo.Worker;

namespace AgentBus.Samples.Tests.GatewayDemo;

/// <summary>
/// samples/GatewayDemo end to end: two gateway instances (each its own bus and instance id, Kestrel on a loopback
/// port) in front of a worker process's agents, over the real broker, asked with real HTTP.
/// </summary>
public sealed class GatewayDemoTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Each_instance_gets_the_replies_to_its_own_requests_on_its_own_reply_topic()
    {
        await using var cluster = await GatewayCluster.StartAsync();

        // Both instances ask at once, so a reply routed to the wrong instance would answer the wrong HTTP request.
        var asks = Enumerable.Range(0, 16).Select(async i =>
        {
            var gateway = cluster[i % 2 + 1];
            string question = $"question {i} via {gateway.InstanceId}";
            using var response = await gateway.Http.PostAsJsonAsync("/agents/writer/ask", new { question });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(gateway.InstanceId, response.Headers.GetValues(GatewayApp.InstanceHeader).Single());
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = body.RootElement;
            Assert.Equal("writer", root.GetProperty("agent").GetString());
            Assert.Equal(gateway.InstanceId, root.GetProperty("instance").GetString());
            Assert.Equal(response.Headers.GetValues(GatewayApp.RequestIdHeader).Single(), root.GetProperty("requestId").GetString());
            var reply = root.GetProperty("reply");
            Assert.Equal(WriterAgent.Compose(question), reply.GetProperty("text").GetString());
            // The worker saw the request's reply-to: this instance's reply topic, nobody else's.
            Assert.Equal(LiteTopicNames.ForInstance(gateway.InstanceId), reply.GetProperty("replyTopic").GetString());
            Assert.Equal(cluster.Worker.InstanceId, reply.GetProperty("worker").GetString());
        });
        await Eventually.CompletesAsync(Task.WhenAll(asks), Wait, "the asks through both instances");
    }

    [Theory]
    [InlineData(1)] // reconnect to the instance that started the stream
    [InlineData(2)] // reconnect to the other instance
    public async Task A_stream_dropped_part_way_resumes_after_Last_Event_ID_with_no_gap_and_no_duplicate(int resumeOn)
    {
        await using var cluster = await GatewayCluster.StartAsync();
        const int total = 20;
        const int beforeGate = 10;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await cluster.Worker.CreateAgentAsync("paced", async (ctx, ct) =>
        {
            var stream = ctx.OpenReplyStream<string>();
            for (int i = 0; i < total; i++)
            {
                if (i == beforeGate)
                {
                    await gate.Task.WaitAsync(ct); // the rest is written only once the client is back
                }

                await stream.WriteAsync($"w{i} ", ct);
            }

            await stream.CompleteAsync(ct);
        });

        var events = new List<SseEvent>();
        string lastEventId;
        using (var first = await OpenStreamAsync(cluster.Gateway1.Http, "/agents/paced/stream?question=go"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("text/event-stream", first.Content.Headers.ContentType?.MediaType);
            var reader = new SseReader(await first.Content.ReadAsStreamAsync());
            for (int i = 0; i < 4; i++)
            {
                events.Add(await NextAsync(reader));
            }

            lastEventId = reader.LastEventId!;
        } // the connection drops while the agent is still writing

        var resumeTo = cluster[resumeOn];
        using var resumed = await OpenStreamAsync(resumeTo.Http, "/agents/paced/stream", lastEventId);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(resumeTo.InstanceId, resumed.Headers.GetValues(GatewayApp.InstanceHeader).Single());
        var again = new SseReader(await resumed.Content.ReadAsStreamAsync());
        events.Add(await NextAsync(again));
        gate.TrySetResult();
        var rest = await again.ReadToEndAsync(CancellationToken.None).WaitAsync(Wait);
        var end = rest[^1];
        events.AddRange(rest[..^1]);

        Assert.All(events, e => Assert.Equal("message", e.Type));
        Assert.True(StreamEventId.TryParse(events[0].Id, out var position));
        string requestId = position.RequestId;
        Assert.Equal(Enumerable.Range(0, total).Select(i => StreamEventId.Format(requestId, i, i < 4 ? "gateway-1" : resumeTo.InstanceId)),
            events.Select(e => e.Id));
        Assert.Equal(string.Concat(Enumerable.Range(0, total).Select(i => $"w{i} ")), string.Concat(events.Select(e => JsonSerializer.Deserialize<string>(e.Data))));
        Assert.Equal("end", end.Type);
        Assert.Equal(StreamEventId.FormatEnd(requestId), end.Id);
        Assert.Equal(total, JsonDocument.Parse(end.Data).RootElement.GetProperty("chunks").GetInt32());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_resume_takes_the_stream_over_from_a_connection_still_open_which_gets_a_409_event(int resumeOn)
    {
        await using var cluster = await GatewayCluster.StartAsync();
        const int total = 12;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await cluster.Worker.CreateAgentAsync("paced", async (ctx, ct) =>
        {
            var stream = ctx.OpenReplyStream<int>();
            for (int i = 0; i < total; i++)
            {
                if (i == 3)
                {
                    await gate.Task.WaitAsync(ct);
                }

                await stream.WriteAsync(i, ct);
            }

            await stream.CompleteAsync(ct);
        });

        // The first connection stays open (say, a client whose network went away without the server noticing),
        // so its relay on gateway-1 still reads the stream when the client comes back through another connection.
        using var stale = await OpenStreamAsync(cluster.Gateway1.Http, "/agents/paced/stream?question=go");
        var staleReader = new SseReader(await stale.Content.ReadAsStreamAsync());
        var first = await NextAsync(staleReader);
        Assert.Equal("0", first.Data);

        using var resumed = await OpenStreamAsync(cluster[resumeOn].Http, "/agents/paced/stream", first.Id);
        var reader = new SseReader(await resumed.Content.ReadAsStreamAsync());
        var taken = await staleReader.ReadToEndAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.Equal("failure", taken[^1].Type);
        Assert.Equal(409, JsonDocument.Parse(taken[^1].Data).RootElement.GetProperty("status").GetInt32());

        gate.TrySetResult();
        var rest = await reader.ReadToEndAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(Enumerable.Range(1, total - 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            rest.Where(e => e.Type == "message").Select(e => e.Data));
        Assert.Equal("end", rest[^1].Type);
    }

    [Fact]
    public async Task The_writer_streams_its_answer_word_by_word_and_a_finished_stream_answers_204()
    {
        await using var cluster = await GatewayCluster.StartAsync(wordDelay: TimeSpan.FromMilliseconds(20));
        const string question = "what is a lite topic";
        var words = new List<string>();
        string lastEventId;
        using (var first = await OpenStreamAsync(cluster.Gateway2.Http, "/agents/writer/stream", body: new { question }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var reader = new SseReader(await first.Content.ReadAsStreamAsync());
            for (int i = 0; i < 3; i++)
            {
                words.Add(JsonSerializer.Deserialize<string>((await NextAsync(reader)).Data)!);
            }

            lastEventId = reader.LastEventId!;
        }

        using var resumed = await OpenStreamAsync(cluster.Gateway1.Http, "/agents/writer/stream", lastEventId);
        var again = new SseReader(await resumed.Content.ReadAsStreamAsync());
        var rest = await again.ReadToEndAsync(CancellationToken.None).WaitAsync(Wait);
        words.AddRange(rest.Where(e => e.Type == "message").Select(e => JsonSerializer.Deserialize<string>(e.Data)!));
        Assert.Equal(WriterAgent.Words(question), words);
        Assert.Equal(WriterAgent.Compose(question), string.Concat(words));

        // An EventSource reconnecting after the end event (its id is the last one it saw) is told to stop: 204.
        Assert.Equal("end", rest[^1].Type);
        using var afterEnd = await OpenStreamAsync(cluster.Gateway2.Http, "/agents/writer/stream", again.LastEventId);
        Assert.Equal(HttpStatusCode.NoContent, afterEnd.StatusCode);
    }

    [Fact]
    public async Task An_agent_with_no_running_replica_is_503_with_a_problem_body()
    {
        await using var cluster = await GatewayCluster.StartAsync();

        using var ask = await cluster.Gateway1.Http.PostAsJsonAsync("/agents/nobody/ask", new { question = "anyone?" });
        await AssertProblemAsync(ask, HttpStatusCode.ServiceUnavailable, "Agent unavailable");

        using var stream = await OpenStreamAsync(cluster.Gateway2.Http, "/agents/nobody/stream?question=anyone");
        await AssertProblemAsync(stream, HttpStatusCode.ServiceUnavailable, "Agent unavailable");
    }

    [Theory]
    [InlineData("{\"question\":", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("null", "JSON object")]
    [InlineData("{}", "\"question\" is required")]
    [InlineData("{\"question\":\"  \"}", "\"question\" is required")]
    [InlineData("{\"question\":42}", "not valid JSON")]
    [InlineData("{\"question\":\"hi\",\"timeoutMs\":0}", "\"timeoutMs\" must be")]
    public async Task A_bad_body_is_400_with_a_problem_body(string json, string detail)
    {
        await using var cluster = await GatewayCluster.StartAsync();

        using var ask = await cluster.Gateway1.Http.PostAsync("/agents/writer/ask", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await AssertProblemAsync(ask, HttpStatusCode.BadRequest, "Bad request");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var stream = await cluster.Gateway2.Http.PostAsync("/agents/writer/stream", new StringContent(json, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(stream, HttpStatusCode.BadRequest, "Bad request");
    }

    [Fact]
    public async Task A_malformed_Last_Event_ID_is_400_a_missing_question_is_400_and_a_body_that_is_not_JSON_is_415()
    {
        await using var cluster = await GatewayCluster.StartAsync();

        using var badId = await OpenStreamAsync(cluster.Gateway1.Http, "/agents/writer/stream", lastEventId: "no-sequence-here");
        var problem = await AssertProblemAsync(badId, HttpStatusCode.BadRequest, "Bad request");
        Assert.Contains("Last-Event-ID", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var noQuestion = await OpenStreamAsync(cluster.Gateway1.Http, "/agents/writer/stream");
        await AssertProblemAsync(noQuestion, HttpStatusCode.BadRequest, "Bad request");

        using var text = await cluster.Gateway1.Http.PostAsync("/agents/writer/ask", new StringContent("question=hi", Encoding.UTF8, "text/plain"));
        await AssertProblemAsync(text, HttpStatusCode.UnsupportedMediaType, "Unsupported media type");
    }

    [Fact]
    public async Task An_agent_that_fails_is_502_one_that_does_not_answer_in_time_is_504_and_a_failure_mid_stream_is_an_event()
    {
        await using var cluster = await GatewayCluster.StartAsync();
        await cluster.Worker.CreateAgentAsync("broken", async (ctx, ct) =>
        {
            if (ctx.Envelope.Kind == MessageKind.StreamRequest)
            {
                var stream = ctx.OpenReplyStream<string>();
                await stream.WriteAsync("partial ", ct);
                await stream.WriteAsync("answer ", ct);
            }

            await ctx.FailAsync("OutOfIdeas", "The agent has nothing to say.", ct);
        });
        await cluster.Worker.CreateAgentAsync("silent", async (ctx, ct) => await Task.Delay(Timeout.InfiniteTimeSpan, ct));

        using var failed = await cluster.Gateway1.Http.PostAsJsonAsync("/agents/broken/ask", new { question = "well?" });
        var problem = await AssertProblemAsync(failed, HttpStatusCode.BadGateway, "Agent failed");
        Assert.Equal("OutOfIdeas", problem.GetProperty("errorType").GetString());
        Assert.Equal("The agent has nothing to say.", problem.GetProperty("detail").GetString());

        using var late = await cluster.Gateway2.Http.PostAsJsonAsync("/agents/silent/ask", new { question = "well?", timeoutMs = 300 });
        await AssertProblemAsync(late, HttpStatusCode.GatewayTimeout, "Agent timeout");

        using var lateStream = await OpenStreamAsync(cluster.Gateway2.Http, "/agents/silent/stream?question=well&timeoutMs=300");
        await AssertProblemAsync(lateStream, HttpStatusCode.GatewayTimeout, "Agent timeout");

        // Once events flow the status is sent: the failure comes as a last event holding the problem.
        using var midway = await OpenStreamAsync(cluster.Gateway1.Http, "/agents/broken/stream?question=well");
        Assert.Equal(HttpStatusCode.OK, midway.StatusCode);
        var events = await new SseReader(await midway.Content.ReadAsStreamAsync()).ReadToEndAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(["message", "message", "failure"], events.Select(e => e.Type));
        using var failure = JsonDocument.Parse(events[2].Data);
        Assert.Equal(502, failure.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("OutOfIdeas", failure.RootElement.GetProperty("errorType").GetString());
    }

    private static async Task<HttpResponseMessage> OpenStreamAsync(HttpClient http, string path, string? lastEventId = null, object? body = null)
    {
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Wait);
    }

    private static async Task<SseEvent> NextAsync(SseReader reader) =>
        await reader.NextAsync(CancellationToken.None).WaitAsync(Wait) ?? throw new Xunit.Sdk.XunitException("The event stream ended early.");

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(title, problem.GetProperty("title").GetString());
        return problem;
    }
}
