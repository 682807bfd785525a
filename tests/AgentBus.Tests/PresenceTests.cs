using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;

namespace AgentBus.Tests;

public sealed class PresenceTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task A_request_that_requires_a_live_agent_fails_fast_when_none_runs_and_nothing_is_queued()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var caller = await bus.CreateAgentAsync("caller");
        var failFast = new RequestOptions { RequireLiveAgent = true };

        var error = await Assert.ThrowsAsync<AgentUnavailableException>(() => caller.RequestAsync<string, string>("nobody", "hello?", failFast));

        Assert.Equal("nobody", error.AgentId);
        Assert.Equal(0, bus.Replies.Pending);
        // Nothing was stored: an agent starting now finds an empty inbox.
        var handled = 0;
        await using var nobody = await bus.CreateAgentAsync("nobody", (ctx, ct) =>
        {
            Interlocked.Increment(ref handled);
            return ctx.IsRequest ? ctx.ReplyAsync("here", ct) : ValueTask.CompletedTask;
        });
        Assert.Equal("here", await caller.RequestAsync<string, string>("nobody", "now?", failFast));
        Assert.Equal(1, handled);
    }

    [Fact]
    public async Task After_the_last_replica_stops_a_fail_fast_send_is_refused_while_a_queued_one_waits_for_the_next()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var sender = await bus.CreateAgentAsync("sender");
        var workerBus = await broker.ConnectAsync();
        var first = new Signal();
        var worker = await workerBus.CreateAgentAsync("worker", (ctx, ct) =>
        {
            first.Set();
            return ValueTask.CompletedTask;
        });
        await sender.SendToAsync("worker", 1, new SendOptions { RequireLiveAgent = true });
        await first.WaitAsync();

        await worker.DisposeAsync();

        await Assert.ThrowsAsync<AgentUnavailableException>(() => sender.SendToAsync("worker", 2, new SendOptions { RequireLiveAgent = true }));
        await sender.SendToAsync("worker", 3);
        var got = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var next = await workerBus.CreateAgentAsync("worker", (ctx, ct) =>
        {
            got.TrySetResult(ctx.GetBody<int>());
            return ValueTask.CompletedTask;
        });
        Assert.Equal(3, await got.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
