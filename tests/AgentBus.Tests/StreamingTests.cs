using AgentBus.Tests.Infrastructure;
using AgentBus.TestUtilities;

namespace AgentBus.Tests;

public sealed class StreamingTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task A_streamed_reply_arrives_in_order_and_ends()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var llm = await bus.CreateAgentAsync("llm", async (ctx, ct) =>
        {
            var prompt = ctx.GetBody<string>();
            await using var stream = ctx.OpenReplyStream<string>();
            for (int i = 0; i < 300; i++)
            {
                await stream.WriteAsync($"{prompt}-{i}", ct);
            }
        });
        await using var caller = await bus.CreateAgentAsync("caller");

        var tokens = new List<string>();
        await foreach (var token in caller.StreamAsync<string, string>("llm", "tok"))
        {
            tokens.Add(token);
        }

        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"tok-{i}"), tokens);
    }

    [Fact]
    public async Task A_stream_broken_off_resumes_after_the_last_chunk_seen_with_no_gap_and_no_duplicate()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var llm = await bus.CreateAgentAsync("llm", async (ctx, ct) =>
        {
            var stream = ctx.OpenReplyStream<int>();
            for (int i = 0; i < 200; i++)
            {
                if (i == 50)
                {
                    await gate.Task.WaitAsync(ct);
                }

                await stream.WriteAsync(i, ct);
            }

            await stream.CompleteAsync(ct);
        });
        var callers = await broker.ConnectAsync("gw-1");
        var caller = await callers.CreateAgentAsync("caller");
        string requestId = "req-" + Guid.NewGuid().ToString("N");

        var seen = new List<int>();
        await foreach (var chunk in caller.StreamAsync<string, int>("llm", "go", new RequestOptions { RequestId = requestId }))
        {
            seen.Add(chunk);
            if (seen.Count == 10)
            {
                break; // the connection "breaks" while the agent is still answering
            }
        }

        // The caller's whole instance goes away and comes back (same instance id) while the agent writes the rest.
        await callers.DisposeAsync();
        gate.TrySetResult();
        var restarted = await broker.ConnectAsync("gw-1");
        var again = await restarted.CreateAgentAsync("caller");
        await foreach (var chunk in again.ResumeStreamAsync<int>(requestId, afterSequence: seen.Count - 1))
        {
            seen.Add(chunk);
        }

        Assert.Equal(Enumerable.Range(0, 200), seen);
    }

    [Fact]
    public async Task A_stream_that_fails_midway_delivers_its_chunks_then_the_remote_error()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var llm = await bus.CreateAgentAsync("llm", async (ctx, ct) =>
        {
            var stream = ctx.OpenReplyStream<int>();
            await stream.WriteAsync(1, ct);
            await stream.WriteAsync(2, ct);
            throw new TimeoutException("the model stopped answering");
        });
        await using var caller = await bus.CreateAgentAsync("caller");

        var seen = new List<int>();
        var error = await Assert.ThrowsAsync<RemoteAgentException>(async () =>
        {
            await foreach (var chunk in caller.StreamAsync<string, int>("llm", "go"))
            {
                seen.Add(chunk);
            }
        });

        Assert.Equal([1, 2], seen);
        Assert.Equal(nameof(TimeoutException), error.ErrorType);
        Assert.Equal("the model stopped answering", error.RemoteMessage);
    }

    [Fact]
    public async Task A_plain_reply_to_a_streamed_request_is_a_one_chunk_stream()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync(configure: o => o.StreamBatchSize = 1);
        await using var agent = await bus.CreateAgentAsync("terse", (ctx, ct) => ctx.ReplyAsync("all at once", ct));
        await using var caller = await bus.CreateAgentAsync("caller");

        var chunks = new List<string>();
        await foreach (var chunk in caller.StreamAsync<string, string>("terse", "go"))
        {
            chunks.Add(chunk);
        }

        Assert.Equal(["all at once"], chunks);
    }

    [Fact]
    public async Task A_stream_with_no_next_chunk_within_the_timeout_fails_with_a_timeout()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var agent = await bus.CreateAgentAsync("stalls", async (ctx, ct) =>
        {
            var stream = ctx.OpenReplyStream<int>();
            await stream.WriteAsync(1, ct);
            await release.Task.WaitAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        });
        await using var caller = await bus.CreateAgentAsync("caller");

        var seen = new List<int>();
        await Assert.ThrowsAsync<AgentTimeoutException>(async () =>
        {
            await foreach (var chunk in caller.StreamAsync<string, int>("stalls", "go", new RequestOptions { Timeout = TimeSpan.FromMilliseconds(500) }))
            {
                seen.Add(chunk);
            }
        });

        Assert.Equal([1], seen);
        release.TrySetResult();
    }
    [Fact]
    public async Task A_stream_resumed_on_another_instance_takes_it_over_and_the_first_reader_is_told()
    {
        await using var broker = shared.Broker.Scope();
        var agents = await broker.ConnectAsync("agents");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var llm = await agents.CreateAgentAsync("llm", async (ctx, ct) =>
        {
            var stream = ctx.OpenReplyStream<int>();
            for (int i = 0; i < 300; i++)
            {
                if (i == 20)
                {
                    await gate.Task.WaitAsync(ct);
                }

                await stream.WriteAsync(i, ct);
            }

            await stream.CompleteAsync(ct);
        });
        var first = await (await broker.ConnectAsync("gw-a")).CreateAgentAsync("caller");
        var second = await (await broker.ConnectAsync("gw-b")).CreateAgentAsync("caller");
        string requestId = "takeover-" + Guid.NewGuid().ToString("N");
        var seenFirst = new List<int>();
        var twenty = new Signal();

        var firstReads = Task.Run(async () =>
        {
            await foreach (int chunk in first.StreamAsync<string, int>("llm", "go", new RequestOptions { RequestId = requestId }))
            {
                seenFirst.Add(chunk);
                if (seenFirst.Count == 20)
                {
                    twenty.Set();
                }
            }
        });
        await twenty.WaitAsync(1);

        // The user reconnects to the other gateway instance while the first still reads: the newest reader wins.
        var seenSecond = new List<int>();
        var resumed = second.ResumeStreamAsync<int>(requestId, afterSequence: seenFirst.Count - 1).GetAsyncEnumerator();
        var firstMove = resumed.MoveNextAsync().AsTask();
        var lost = await Assert.ThrowsAsync<AgentBusException>(() => firstReads.WaitAsync(TimeSpan.FromSeconds(20)));
        gate.TrySetResult();
        if (await firstMove)
        {
            seenSecond.Add(resumed.Current);
            while (await resumed.MoveNextAsync())
            {
                seenSecond.Add(resumed.Current);
            }
        }

        await resumed.DisposeAsync();
        Assert.Contains("another instance", lost.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 20), seenFirst);
        Assert.Equal(Enumerable.Range(20, 280), seenSecond);
    }
}
