using Xunit.Abstractions;

namespace AgentBus.Performance.Tests;

/// <summary>The agent layer over the real broker (gRPC on loopback; caller, worker and broker in this process).</summary>
[Trait("Category", "AllocationBudget")]
public sealed class AgentAllocationBudgetTests(ITestOutputHelper output)
{
    /// <summary>
    /// One <c>RequestAsync</c> round trip with a small JSON body: the request sent to the worker's inbox, delivered and
    /// handled there, the reply sent to the caller's reply inbox, delivered, matched to the waiting call, both acked.
    /// Measured 35,623–36,454 B in three runs on 2026-12-08, once the broker decoded the message stream's sends into
    /// records itself (39,434–41,607 B on 2026-12-07; 42,102–42,726 B before the reply wait became one deadline timer
    /// and sends stopped going through a MessageBuilder) with <c>dotnet test tests/AgentBus.Performance.Tests -c Release</c>;
    /// budget 45,000 B (+23 % on the highest). It was 50,000 B until then, and 84,000 B, recorded at 66–70 KB on
    /// 2026-12-04, before the message stream and the hand-written codecs.
    /// </summary>
    private const double RequestReplyBudget = 45_000;

    [Fact]
    public async Task A_request_and_its_reply_stay_within_their_allocation_budget()
    {
        await using var broker = await BusBroker.StartAsync();
        var bus = await broker.ConnectAsync();
        await using var worker = await bus.CreateAgentAsync("echo", (ctx, ct) => ctx.ReplyAsync(ctx.GetBody<int>() + 1, ct));
        await using var caller = await bus.CreateAgentAsync("caller");
        long answered = 0;

        double perRequest = await ProcessAllocations.PerOperationAsync(warmup: 200, operations: 500, rounds: 3, async i =>
        {
            int reply = await caller.RequestAsync<int, int>("echo", i);
            Assert.Equal(i + 1, reply);
            answered++;
        });

        Assert.Equal(1_700, answered);
        AllocationBudget.AtMost(output, "agent RequestAsync round trip", RequestReplyBudget, perRequest);
    }
}
