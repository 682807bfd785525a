using System.Collections.Concurrent;
using AgentBus.AgentFramework.Tests.Infrastructure;
using AgentBus.TestUtilities;
using AgentBus.TestUtilities.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests;

public sealed class ToolsTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task The_model_asks_a_peer_through_ask_agent_with_function_invocation()
    {
        await using var fx = shared.Broker.Scope();
        var peers = await fx.ConnectAsync("peers");
        await using var pricing = await peers.CreateAgentAsync("pricing", (ctx, ct) => ctx.ReplyAsync($"{ctx.GetBody<string>()} costs 12 EUR", ct));
        var me = await (await fx.ConnectAsync("app")).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool("ask_agent", Args("pricing", "the blue mug"), result => $"Answer: {result}");
        using var client = new ChatClientBuilder(model).UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync("How much is the blue mug?", new ChatOptions { Tools = me.AsAITools() });

        Assert.Equal("Answer: the blue mug costs 12 EUR", response.Text);
        Assert.Equal(["ask_agent", "send_to_agent", "list_agents"], model.Calls.First().ToolNames);
    }

    [Fact]
    public async Task send_to_agent_stores_the_message_for_the_peer_and_list_agents_names_the_running_ones()
    {
        await using var fx = shared.Broker.Scope();
        var peers = await fx.ConnectAsync("peers");
        var received = new ConcurrentQueue<string>();
        var arrived = new Signal();
        await using var notes = await peers.CreateAgentAsync("notes", (ctx, ct) =>
        {
            received.Enqueue(ctx.GetBody<string>());
            arrived.Set();
            return ValueTask.CompletedTask;
        });
        var me = await (await fx.ConnectAsync("app")).CreateAgentAsync("assistant");
        var model = new ScriptedChatClient(turn => turn.ToolResults.Count switch
        {
            0 => ScriptedStep.Call("send_to_agent", Args("notes", "remember the milk")),
            1 => ScriptedStep.Call("list_agents", new Dictionary<string, object?>()),
            _ => ScriptedStep.Text(string.Join(" | ", turn.ToolResults.Select(ScriptedTurn.TextOf))),
        });
        using var client = new ChatClientBuilder(model).UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync("Note: buy milk", new ChatOptions { Tools = me.AsAITools() });
        await arrived.WaitAsync();

        Assert.Equal(["remember the milk"], received);
        Assert.Contains("Sent to agent 'notes'", response.Text);
        Assert.Contains("notes: 1 replica(s) running", response.Text);
        Assert.DoesNotContain("assistant:", response.Text);        // the model is not offered itself
    }

    [Fact]
    public async Task Failures_come_back_as_results_the_model_can_act_on()
    {
        await using var fx = shared.Broker.Scope();
        var peers = await fx.ConnectAsync("peers");
        await using var broken = await peers.CreateAgentAsync("broken", (ctx, ct) => ctx.FailAsync("OutOfStock", "no blue mugs left", ct));
        var me = await (await fx.ConnectAsync("app")).CreateAgentAsync("assistant");
        var restricted = me.AsAITools(new AgentBusToolsOptions { AllowedAgents = ["broken", "offline"] });
        var ask = (AIFunction)restricted.Single(t => t.Name == "ask_agent");

        string offline = Text(await ask.InvokeAsync(new AIFunctionArguments(Args("offline", "hello"))));
        string failed = Text(await ask.InvokeAsync(new AIFunctionArguments(Args("broken", "a blue mug"))));
        string forbidden = Text(await ask.InvokeAsync(new AIFunctionArguments(Args("payroll", "raise my salary"))));
        string self = Text(await ask.InvokeAsync(new AIFunctionArguments(Args("assistant", "hi me"))));
        string unnamed = Text(await ask.InvokeAsync(new AIFunctionArguments(Args(" ", "hello"))));

        Assert.Contains("'offline' is not running now", offline);
        Assert.Equal("Agent 'broken' failed to answer (OutOfStock): no blue mugs left", failed);
        Assert.Equal("You may not contact agent 'payroll'. The agents you may contact are: broken, offline.", forbidden);
        Assert.Contains("is you", self);
        Assert.Contains("Name the agent", unnamed);
    }

    private static Dictionary<string, object?> Args(string agentId, string message) => new() { ["agentId"] = agentId, ["message"] = message };

    private static string Text(object? result) => result switch
    {
        string text => text,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } json => json.GetString()!,
        _ => result?.ToString() ?? "",
    };
}
