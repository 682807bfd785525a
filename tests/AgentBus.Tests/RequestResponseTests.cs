using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;

namespace AgentBus.Tests;

public sealed class RequestResponseTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    private sealed record Question(string Text, int Number);

    private sealed record Answer(string Text, int Doubled, string? Session);

    [Fact]
    public async Task A_request_gets_the_typed_reply_back_on_this_instance()
    {
        var broker = shared.Broker;
        await using var workers = await broker.ConnectAsync();
        await using var worker = await workers.CreateAgentAsync("doubler", async (ctx, ct) =>
        {
            var q = ctx.GetBody<Question>();
            Assert.Equal("gateway", ctx.Envelope.From);
            Assert.Equal("doubler", ctx.Envelope.To);
            Assert.NotNull(ctx.Envelope.Deadline);
            await ctx.ReplyAsync(new Answer(q.Text.ToUpperInvariant(), q.Number * 2, ctx.Envelope.SessionId), ct);
        });
        await using var gateways = await broker.ConnectAsync("gw-1");
        await using var gateway = await gateways.CreateAgentAsync("gateway");

        var answer = await gateway.RequestAsync<Question, Answer>("doubler", new Question("hi", 21));

        Assert.Equal(new Answer("HI", 42, null), answer);
    }

    [Fact]
    public async Task Raw_bytes_travel_as_they_are_and_json_types_as_json()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync();
        var seen = new List<(string ContentType, int Length)>();
        await using var worker = await bus.CreateAgentAsync("bytes", async (ctx, ct) =>
        {
            seen.Add((ctx.Envelope.ContentType, ctx.Body.Length));
            if (ctx.Envelope.ContentType == "application/octet-stream")
            {
                await ctx.ReplyAsync(ctx.GetBody<byte[]>().Reverse().ToArray(), ct);
            }
            else
            {
                await Assert.ThrowsAsync<InvalidAgentMessageException>(async () => { ctx.GetBody<byte[]>(); await Task.CompletedTask; });
                await ctx.ReplyAsync(ctx.GetBody<Question>().Number, ct);
            }
        });
        await using var caller = await bus.CreateAgentAsync("caller");
        byte[] payload = [.. Enumerable.Range(0, 1024).Select(i => (byte)i)];

        byte[] reversed = await caller.RequestAsync<byte[], byte[]>("bytes", payload);
        int number = await caller.RequestAsync<Question, int>("bytes", new Question("q", 7));

        Assert.Equal(payload.Reverse(), reversed);
        Assert.Equal(7, number);
        Assert.Equal(("application/octet-stream", 1024), seen[0]);
        Assert.Equal("application/json", seen[1].ContentType);
    }

    [Fact]
    public async Task A_thousand_concurrent_requests_all_get_their_own_reply()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync();
        await using var worker = await bus.CreateAgentAsync("echo", (ctx, ct) => ctx.ReplyAsync(ctx.GetBody<int>() + 1, ct));
        await using var caller = await bus.CreateAgentAsync("caller");

        var replies = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => caller.RequestAsync<int, int>("echo", i)));

        Assert.Equal(Enumerable.Range(1, 1000), replies);
        Assert.Equal(0, bus.Replies.Pending);
    }

    [Fact]
    public async Task One_agent_serves_many_requests_at_once_not_one_after_another()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync(configure: o => o.MaxConcurrency = 8);
        var running = 0;
        var peak = 0;
        var allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = await bus.CreateAgentAsync("slow", async (ctx, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            int seen;
            while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }

            if (now == 8)
            {
                allIn.TrySetResult();
            }

            await allIn.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            Interlocked.Decrement(ref running);
            await ctx.ReplyAsync("done", ct);
        });
        await using var caller = await bus.CreateAgentAsync("caller");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => caller.RequestAsync<string, string>("slow", "x")));

        Assert.Equal(8, peak);
    }

    [Fact]
    public async Task A_handler_exception_reaches_the_caller_as_a_remote_agent_exception()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync();
        await using var worker = await bus.CreateAgentAsync("fails", (ctx, ct) => throw new InvalidOperationException("the model is unavailable"));
        await using var caller = await bus.CreateAgentAsync("caller");

        var error = await Assert.ThrowsAsync<RemoteAgentException>(() => caller.RequestAsync<string, string>("fails", "x"));

        Assert.Equal("fails", error.AgentId);
        Assert.Equal(nameof(InvalidOperationException), error.ErrorType);
        Assert.Equal("the model is unavailable", error.RemoteMessage);
    }

    [Fact]
    public async Task A_handler_that_does_not_reply_gives_the_caller_a_no_reply_error_not_a_timeout()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync();
        await using var worker = await bus.CreateAgentAsync("silent", (ctx, ct) => ValueTask.CompletedTask);
        await using var caller = await bus.CreateAgentAsync("caller");

        var error = await Assert.ThrowsAsync<RemoteAgentException>(() => caller.RequestAsync<string, string>("silent", "x"));

        Assert.Equal("NoReply", error.ErrorType);
    }

    [Fact]
    public async Task A_request_to_an_agent_that_is_not_running_times_out_and_its_handler_never_sees_it_after_the_deadline()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync();
        await using var caller = await bus.CreateAgentAsync("caller");

        var error = await Assert.ThrowsAsync<AgentTimeoutException>(() =>
            caller.RequestAsync<string, string>("absent", "late", new RequestOptions { Timeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Equal("absent", error.AgentId);

        // The agent starts after the deadline: the expired request is settled without running the handler; a fresh one is served.
        var handled = new List<string>();
        await using var absent = await bus.CreateAgentAsync("absent", (ctx, ct) =>
        {
            lock (handled)
            {
                handled.Add(ctx.GetBody<string>());
            }

            return ctx.ReplyAsync("ok", ct);
        });
        Assert.Equal("ok", await caller.RequestAsync<string, string>("absent", "fresh"));
        Assert.Equal(["fresh"], handled);
    }

    [Fact]
    public async Task Cancelling_a_request_stops_waiting_and_frees_its_slot()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = await bus.CreateAgentAsync("stuck", async (ctx, ct) =>
        {
            await release.Task.WaitAsync(ct);
            await ctx.ReplyAsync("late", ct);
        });
        await using var caller = await bus.CreateAgentAsync("caller");
        using var cts = new CancellationTokenSource();

        var call = caller.RequestAsync<string, string>("stuck", "x", ct: cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, bus.Replies.Pending);
        release.TrySetResult();
    }

    [Fact]
    public async Task A_full_pending_request_table_refuses_the_next_request_with_a_clear_error()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync(configure: o => o.MaxPendingRequests = 2);
        await using var caller = await bus.CreateAgentAsync("caller");
        var options = new RequestOptions { Timeout = TimeSpan.FromSeconds(5) };
        var first = caller.RequestAsync<string, string>("nobody", "1", options);
        var second = caller.RequestAsync<string, string>("nobody", "2", options);

        var error = await Assert.ThrowsAsync<RequestLimitExceededException>(() => caller.RequestAsync<string, string>("nobody", "3", options));

        Assert.Equal(2, error.Limit);
        await Assert.ThrowsAsync<AgentTimeoutException>(() => first);
        await Assert.ThrowsAsync<AgentTimeoutException>(() => second);
    }

    [Fact]
    public async Task A_shorter_timeout_started_after_a_longer_one_still_fires_first_and_each_keeps_its_own()
    {
        var broker = shared.Broker;
        await using var bus = await broker.ConnectAsync();
        await using var caller = await bus.CreateAgentAsync("caller");
        using var cts = new CancellationTokenSource();
        var started = System.Diagnostics.Stopwatch.StartNew();

        var patient = caller.RequestAsync<string, string>("nobody", "long", new RequestOptions { Timeout = TimeSpan.FromMinutes(5) }, cts.Token);
        var hasty = caller.RequestAsync<string, string>("nobody", "short", new RequestOptions { Timeout = TimeSpan.FromMilliseconds(300) });

        var error = await Assert.ThrowsAsync<AgentTimeoutException>(() => hasty).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromMilliseconds(300), error.Timeout);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));
        Assert.False(patient.IsCompleted);
        Assert.Equal(1, bus.Replies.Pending);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => patient).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, bus.Replies.Pending);

        // The timer is re-armed for requests that come after it fired.
        var later = caller.RequestAsync<string, string>("nobody", "again", new RequestOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        await Assert.ThrowsAsync<AgentTimeoutException>(() => later).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
