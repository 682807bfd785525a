using AgentBus.SemanticKernel.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.SemanticKernel;
using static AgentBus.SemanticKernel.Tests.Infrastructure.Kernels;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>send_to_agent: a durable one-way message, in the plugin's session.</summary>
public sealed class SendTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task The_model_leaves_a_message_that_the_peer_receives_in_the_session()
    {
        await using var fixture = shared.Broker.Scope();
        var received = new TaskCompletionSource<(string Body, string? From, string? Session, MessageKind Kind)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var notes = await (await fixture.ConnectAsync()).CreateAgentAsync("notes", (ctx, ct) =>
        {
            received.TrySetResult((ctx.GetBody<string>(), ctx.Envelope.From, ctx.Envelope.SessionId, ctx.Envelope.Kind));
            return ValueTask.CompletedTask;
        });
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("send_to_agent"), Args(("agentId", "notes"), ("message", "the user prefers short answers")),
            result => $"Done: {result}");
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me, new AgentBusPluginOptions { SessionId = "conversation-7" });

        string answer = await kernel.AskAsync("Remember that I like short answers.");

        Assert.Equal(("the user prefers short answers", "assistant", "conversation-7", MessageKind.Message), await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.StartsWith("Done: Sent to agent 'notes' (message ", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_for_an_agent_that_is_not_running_waits_in_its_inbox()
    {
        await using var fixture = shared.Broker.Scope();
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("send_to_agent"), Args(("agentId", "later"), ("message", "read this when you start")), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        Assert.StartsWith("Sent to agent 'later'", await kernel.AskAsync("Tell later."), StringComparison.Ordinal);

        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var later = await (await fixture.ConnectAsync()).CreateAgentAsync("later", (ctx, ct) =>
        {
            received.TrySetResult(ctx.GetBody<string>());
            return ValueTask.CompletedTask;
        });
        Assert.Equal("read this when you start", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
