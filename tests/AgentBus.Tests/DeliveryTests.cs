using System.Collections.Concurrent;
using System.Diagnostics;
using AgentBus.Broker;
using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;

namespace AgentBus.Tests;

public sealed class DeliveryTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    private sealed record Note(string Text, int Index);

    [Fact]
    public async Task A_message_sent_to_an_offline_agent_is_delivered_when_it_starts()
    {
        await using var broker = shared.Broker.Scope();
        var senders = await broker.ConnectAsync();
        await using var sender = await senders.CreateAgentAsync("sender");
        for (int i = 0; i < 3; i++)
        {
            await sender.SendToAsync("later", new Note("queued", i));
        }

        var received = new ConcurrentQueue<Note>();
        var signal = new Signal();
        var workers = await broker.ConnectAsync();
        await using var later = await workers.CreateAgentAsync("later", (ctx, ct) =>
        {
            Assert.Equal("sender", ctx.Envelope.From);
            received.Enqueue(ctx.GetBody<Note>());
            signal.Set();
            return ValueTask.CompletedTask;
        });

        await signal.WaitAsync(3);
        Assert.Equal([0, 1, 2], received.Select(n => n.Index).Order());
    }

    [Fact]
    public async Task Messages_of_one_session_are_handled_in_order_while_sessions_run_concurrently()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync(configure: o => o.MaxConcurrency = 16);
        const int sessions = 8, perSession = 25;
        var seen = new ConcurrentDictionary<string, List<int>>();
        var inSession = new ConcurrentDictionary<string, int>();
        var running = 0;
        var peak = 0;
        var signal = new Signal();
        await using var worker = await bus.CreateAgentAsync("ordered", async (ctx, ct) =>
        {
            string session = ctx.Envelope.SessionId!;
            Assert.Equal(1, inSession.AddOrUpdate(session, 1, (_, n) => n + 1));
            int now = Interlocked.Increment(ref running);
            int max;
            while ((max = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, max) != max)
            {
            }

            await Task.Delay(1, ct);
            var list = seen.GetOrAdd(session, _ => []);
            lock (list)
            {
                list.Add(ctx.GetBody<Note>().Index);
            }

            Interlocked.Decrement(ref running);
            inSession.AddOrUpdate(session, 0, (_, n) => n - 1);
            signal.Set();
        });
        await using var sender = await bus.CreateAgentAsync("sender");

        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async s =>
        {
            for (int i = 0; i < perSession; i++)
            {
                await sender.SendToAsync("ordered", new Note("n", i), new SendOptions { SessionId = $"conversation-{s}" });
            }
        }));

        await signal.WaitAsync(sessions * perSession, TimeSpan.FromSeconds(30));
        Assert.Equal(sessions, seen.Count);
        foreach (var list in seen.Values)
        {
            Assert.Equal(Enumerable.Range(0, perSession), list);
        }

        Assert.True(peak > 1, $"sessions never ran concurrently (peak {peak})");
    }

    [Fact]
    public async Task Three_replicas_of_one_agent_share_its_inbox()
    {
        await using var broker = shared.Broker.Scope();
        var counts = new ConcurrentDictionary<string, int>();
        var replicas = new List<Agent>();
        for (int r = 0; r < 3; r++)
        {
            string replica = $"replica-{r}";
            var bus = await broker.ConnectAsync(replica);
            replicas.Add(await bus.CreateAgentAsync("worker", async (ctx, ct) =>
            {
                counts.AddOrUpdate(replica, 1, (_, n) => n + 1);
                // Long enough that one replica cannot take the whole burst by itself.
                await Task.Delay(20, ct);
                await ctx.ReplyAsync(replica, ct);
            }));
        }

        var callers = await broker.ConnectAsync("caller");
        await using var caller = await callers.CreateAgentAsync("caller");
        var answers = await Task.WhenAll(Enumerable.Range(0, 150).Select(_ => caller.RequestAsync<string, string>("worker", "job")));

        Assert.Equal(150, answers.Length);
        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, n => Assert.True(n >= 10, $"a replica served only {n} of 150: {string.Join(", ", counts)}"));
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_body_the_handler_cannot_read_goes_to_the_dead_letter_queue_and_does_not_block_its_session()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var good = new Signal();
        await using var worker = await bus.CreateAgentAsync("strict", (ctx, ct) =>
        {
            ctx.GetBody<Note>();
            good.Set();
            return ValueTask.CompletedTask;
        });
        await using var sender = await bus.CreateAgentAsync("sender");
        var session = new SendOptions { SessionId = "s-1" };

        await sender.SendToAsync("strict", "not a note", session);
        await sender.SendToAsync("strict", new Note("fine", 1), session);

        await good.WaitAsync();
        string deadLetters = BrokerEngine.DeadLetterTopic(bus.Options.ConsumerGroup);
        // The forward is settled in the background, possibly after the next message was handled.
        await Eventually.TrueAsync(() => shared.Broker.Broker.Engine.Topics.TryGetTopic(deadLetters, out _), what: "dead-letter topic created");
        var dead = await shared.Broker.Broker.Engine.ReceiveAsync("inspector", deadLetters, null, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
        var poison = Assert.Single(dead);
        Assert.Equal("\"not a note\"", System.Text.Encoding.UTF8.GetString(poison.Message.Body.Span));
    }

    [Fact]
    public async Task A_malformed_request_gets_an_invalid_message_error_instead_of_a_timeout()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var worker = await bus.CreateAgentAsync("strict", (ctx, ct) => ctx.ReplyAsync(ctx.GetBody<Note>().Index, ct));
        await using var caller = await bus.CreateAgentAsync("caller");

        var error = await Assert.ThrowsAsync<RemoteAgentException>(() => caller.RequestAsync<int[], int>("strict", [1, 2]));

        Assert.Equal("InvalidMessage", error.ErrorType);
    }

    [Fact]
    public async Task One_trace_spans_the_caller_and_two_agents()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "AgentBus",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var writer = await bus.CreateAgentAsync("writer", (ctx, ct) => ctx.ReplyAsync("text", ct));
        await using var planner = await bus.CreateAgentAsync("planner", async (ctx, ct) =>
            await ctx.ReplyAsync(await ctx.RequestAsync<string, string>("writer", "write", ct) + "!", ct));
        await using var gateway = await bus.CreateAgentAsync("gateway");

        using var root = new Activity("user-request").Start();
        Assert.Equal("text!", await gateway.RequestAsync<string, string>("planner", "plan"));
        root.Stop();

        // A handler's span ends after its reply was sent, so it may stop just after the caller got the reply.
        await Eventually.TrueAsync(() => activities.Count(a => a.TraceId == root.TraceId && a.DisplayName.StartsWith("process ", StringComparison.Ordinal)) >= 2,
            what: "both handlers' spans ended");
        var trace = activities.Where(a => a.TraceId == root.TraceId).Select(a => a.DisplayName).ToList();
        Assert.Contains("send planner", trace);
        Assert.Contains("process planner", trace);
        Assert.Contains("send writer", trace);
        Assert.Contains("process writer", trace);
        var processWriter = activities.Single(a => a.DisplayName == "process writer" && a.TraceId == root.TraceId);
        var sendWriter = activities.Single(a => a.DisplayName == "send writer" && a.TraceId == root.TraceId);
        Assert.Equal(sendWriter.SpanId, processWriter.ParentSpanId);
    }
}
