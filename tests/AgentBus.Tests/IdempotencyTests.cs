using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;

namespace AgentBus.Tests;

public sealed class IdempotencyTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task Retries_with_one_key_from_two_instances_run_the_handler_once_and_get_the_first_reply()
    {
        await using var broker = shared.Broker.Scope();
        var workers = await broker.ConnectAsync("workers");
        var runs = 0;
        await using var payments = await workers.CreateAgentAsync("payments", async (ctx, ct) =>
        {
            int run = Interlocked.Increment(ref runs);
            await ctx.ReplyAsync($"charged once (run {run}, key {ctx.Envelope.IdempotencyKey})", ct);
        });
        var gatewayA = await (await broker.ConnectAsync("gateway-a")).CreateAgentAsync("gateway");
        var gatewayB = await (await broker.ConnectAsync("gateway-b")).CreateAgentAsync("gateway");
        var options = new RequestOptions { IdempotencyKey = "order-42" };

        string first = await gatewayA.RequestAsync<decimal, string>("payments", 9.99m, options);
        // The user retries through another gateway instance, then through the first again.
        string retriedElsewhere = await gatewayB.RequestAsync<decimal, string>("payments", 9.99m, options);
        string retriedAgain = await gatewayA.RequestAsync<decimal, string>("payments", 9.99m, options);

        Assert.Equal(1, runs);
        Assert.All(new[] { first, retriedElsewhere, retriedAgain }, reply => Assert.Equal("charged once (run 1, key order-42)", reply));
    }

    [Fact]
    public async Task A_retry_after_a_timeout_gets_the_reply_of_the_attempt_that_timed_out()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await bus.CreateAgentAsync("slow", async (ctx, ct) =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            await ctx.ReplyAsync("done", CancellationToken.None);
        });
        var caller = await (await broker.ConnectAsync("gateway")).CreateAgentAsync("gateway");

        await Assert.ThrowsAsync<AgentTimeoutException>(() => caller.RequestAsync<string, string>("slow", "job",
            new RequestOptions { IdempotencyKey = "job-1", Timeout = TimeSpan.FromMilliseconds(300) }));
        gate.TrySetResult();
        string retried = await caller.RequestAsync<string, string>("slow", "job", new RequestOptions { IdempotencyKey = "job-1" });

        Assert.Equal("done", retried);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task Different_keys_are_different_requests()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var runs = 0;
        await using var agent = await bus.CreateAgentAsync("counter", (ctx, ct) => ctx.ReplyAsync(Interlocked.Increment(ref runs), ct));
        await using var caller = await bus.CreateAgentAsync("caller");

        int first = await caller.RequestAsync<string, int>("counter", "x", new RequestOptions { IdempotencyKey = "a" });
        int second = await caller.RequestAsync<string, int>("counter", "x", new RequestOptions { IdempotencyKey = "b" });

        Assert.Equal([1, 2], new[] { first, second });
    }

    [Fact]
    public async Task A_one_way_message_re_sent_with_its_key_is_handled_once()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var handled = new List<string>();
        var marker = new Signal();
        await using var agent = await bus.CreateAgentAsync("audit", (ctx, ct) =>
        {
            string body = ctx.GetBody<string>();
            lock (handled)
            {
                handled.Add(body);
            }

            if (body == "marker")
            {
                marker.Set();
            }

            return ValueTask.CompletedTask;
        });
        await using var sender = await bus.CreateAgentAsync("sender");
        // One session, so the agent handles the three sends in order: a stored duplicate would come before the marker.
        var keyed = new SendOptions { IdempotencyKey = "evt-1", SessionId = "audit-log" };

        await sender.SendToAsync("audit", "event", keyed);
        await sender.SendToAsync("audit", "event", keyed);
        await sender.SendToAsync("audit", "marker", new SendOptions { SessionId = "audit-log" });

        await marker.WaitAsync();
        Assert.Equal(["event", "marker"], handled);
    }

    [Fact]
    public async Task A_message_redelivered_after_its_replica_stopped_mid_handler_keeps_its_key_so_its_effect_applies_once()
    {
        await using var broker = shared.Broker.Scope();
        var effects = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(); // an effect store keyed by idempotency key
        var attempts = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var firstRan = new Signal();
        var done = new Signal();
        AgentHandler handler = async (ctx, ct) =>
        {
            attempts.Enqueue(ctx.Envelope.DeliveryAttempt);
            effects.TryAdd(ctx.Envelope.IdempotencyKey!, 1); // idempotent on the key: a second run changes nothing
            if (!firstRan.IsSet)
            {
                firstRan.Set();
                await Task.Delay(Timeout.Infinite, ct); // the replica stops before this handler finishes
            }

            done.Set();
        };
        var replicaA = await broker.ConnectAsync("replica-a", o => o.ShutdownGracePeriod = TimeSpan.FromMilliseconds(100));
        await replicaA.CreateAgentAsync("ledger", handler);
        var sender = await (await broker.ConnectAsync("sender")).CreateAgentAsync("sender");
        await sender.SendToAsync("ledger", "credit 10", new SendOptions { IdempotencyKey = "tx-1" });
        await firstRan.WaitAsync();

        await replicaA.DisposeAsync();
        var replicaB = await broker.ConnectAsync("replica-b");
        await using var ledger = await replicaB.CreateAgentAsync("ledger", handler);

        await done.WaitAsync(timeout: TimeSpan.FromSeconds(30));
        Assert.Equal([1, 2], attempts);
        Assert.Single(effects);
    }

    [Fact]
    public async Task An_oversize_payload_is_refused_with_a_typed_error_before_anything_is_stored()
    {
        await using var broker = await BusBroker.StartAsync(configure: o => o.MaxMessageBodySize = 64 * 1024);
        var bus = await broker.ConnectAsync();
        await using var caller = await bus.CreateAgentAsync("caller");

        await Assert.ThrowsAsync<Client.Errors.PayloadTooLargeException>(() =>
            caller.RequestAsync<string, string>("anyone", new string('x', 100_000)));
        Assert.Equal(0, bus.Replies.Pending);
    }
}
