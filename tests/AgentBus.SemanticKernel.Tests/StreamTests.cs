using System.Runtime.CompilerServices;
using AgentBus.SemanticKernel.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.SemanticKernel;
using static AgentBus.SemanticKernel.Tests.Infrastructure.Kernels;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>stream_from_agent: the function returns the whole streamed text, or what arrived and then the error.</summary>
public sealed class StreamTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task The_model_gets_the_whole_streamed_answer_of_a_peer()
    {
        await using var fixture = shared.Broker.Scope();
        await using var writer = await (await fixture.ConnectAsync()).CreateAgentAsync("writer",
            (ctx, ct) => ctx.StreamReplyAsync(Pieces($"A story about {ctx.GetBody<string>()}, told in many small pieces.", ct), ct));
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("stream_from_agent"), Args(("agentId", "writer"), ("request", "lite topics")),
            result => $"Here it is: {result}");
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        Assert.Equal("Here it is: A story about lite topics, told in many small pieces.", await kernel.AskAsync("Tell me a story."));
    }

    [Fact]
    public async Task A_stream_that_fails_midway_returns_what_arrived_then_the_error()
    {
        await using var fixture = shared.Broker.Scope();
        await using var writer = await (await fixture.ConnectAsync()).CreateAgentAsync("writer", async (ctx, ct) =>
        {
            var stream = ctx.OpenReplyStream<string>();
            await stream.WriteAsync("Once upon ", ct);
            await stream.WriteAsync("a time", ct);
            throw new InvalidOperationException("the muse left");
        });
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("stream_from_agent"), Args(("agentId", "writer"), ("request", "a story")), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        Assert.Equal("Once upon a time\nERROR [remote_failure] Agent 'writer' failed to answer: InvalidOperationException: the muse left " +
            "Next: rephrase or correct the request if the error says it was wrong, or ask another agent.", await kernel.AskAsync("Tell me a story."));
    }

    private static async IAsyncEnumerable<string> Pieces(string text, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (string word in text.Split(' '))
        {
            ct.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return word + (word.EndsWith('.') ? "" : " ");
        }
    }
}
