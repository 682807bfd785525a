using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;

namespace AgentBus.Tests;

public sealed class RestartTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task A_gateway_that_restarts_with_its_instance_id_gets_every_reply_by_request_id()
    {
        await using var broker = shared.Broker.Scope();
        var workers = await broker.ConnectAsync("worker-host");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new Signal();
        await using var worker = await workers.CreateAgentAsync("slow-llm", async (ctx, ct) =>
        {
            started.Set();
            await gate.Task.WaitAsync(ct);
            await ctx.ReplyAsync("answer to " + ctx.GetBody<string>(), ct);
        });

        var gatewayBus = await broker.ConnectAsync("gateway-1");
        var gateway = await gatewayBus.CreateAgentAsync("gateway");
        var ids = Enumerable.Range(0, 20).Select(i => $"http-request-{i}").ToList();
        var calls = ids.Select(id => gateway.RequestAsync<string, string>("slow-llm", id,
            new RequestOptions { RequestId = id, Timeout = TimeSpan.FromSeconds(60) })).ToList();
        await started.WaitAsync(20);

        // The gateway goes down with 20 requests in flight; the agent answers while it is down.
        await gatewayBus.DisposeAsync();
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => call);
        }

        gate.TrySetResult();
        var restartedBus = await broker.ConnectAsync("gateway-1");
        var restarted = await restartedBus.CreateAgentAsync("gateway");

        var answers = await Task.WhenAll(ids.Select(id => restarted.AttachAsync<string>(id, TimeSpan.FromSeconds(20))));

        Assert.Equal(ids.Select(id => "answer to " + id), answers);
    }

    [Fact]
    public async Task A_reply_that_arrives_after_the_caller_timed_out_is_kept_for_attach()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new Signal();
        var answered = new Signal();
        await using var worker = await bus.CreateAgentAsync("slow", async (ctx, ct) =>
        {
            started.Set();
            await gate.Task;
            // The caller's deadline has passed: the handler still answers (CancellationToken.None), late.
            await ctx.ReplyAsync("late answer", CancellationToken.None);
            answered.Set();
        });
        await using var caller = await bus.CreateAgentAsync("caller");

        // Long enough for the request to reach the handler on a loaded machine (a request whose deadline passed
        // before its handler started is never handed to it), short enough to time out while the handler waits.
        var call = caller.RequestAsync<string, string>("slow", "q", new RequestOptions { RequestId = "r-late", Timeout = TimeSpan.FromSeconds(2) });
        await started.WaitAsync();
        await Assert.ThrowsAsync<AgentTimeoutException>(() => call);
        gate.TrySetResult();
        await answered.WaitAsync();

        Assert.Equal("late answer", await caller.AttachAsync<string>("r-late", TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_request_in_flight_across_a_broker_restart_still_gets_its_reply()
    {
        await using var broker = await BusBroker.StartAsync();
        var bus = await broker.ConnectAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new Signal();
        await using var worker = await bus.CreateAgentAsync("worker", async (ctx, ct) =>
        {
            started.Set();
            await gate.Task.WaitAsync(ct);
            await ctx.ReplyAsync("survived", ct);
        });
        await using var caller = await bus.CreateAgentAsync("caller");

        var call = caller.RequestAsync<string, string>("worker", "q", new RequestOptions { Timeout = TimeSpan.FromSeconds(60) });
        await started.WaitAsync();
        await broker.RestartAsync();
        gate.TrySetResult();

        Assert.Equal("survived", await call.WaitAsync(TimeSpan.FromSeconds(60)));
    }
}
