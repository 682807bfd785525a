using AgentBus.SemanticKernel.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using static AgentBus.SemanticKernel.Tests.Infrastructure.Kernels;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>ask_agent: the model's call crosses the broker to a real peer and back; failures come back as results it can act on.</summary>
public sealed class AskTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task The_model_asks_a_peer_over_the_bus_and_answers_with_what_it_said()
    {
        await using var fixture = shared.Broker.Scope();
        var peerBus = await fixture.ConnectAsync();
        await using var researcher = await peerBus.CreateAgentAsync("researcher", (ctx, ct) =>
            ctx.ReplyAsync($"lite topics scale to millions (asked by {ctx.Envelope.From}: {ctx.GetBody<string>()})", ct));
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "researcher"), ("question", "how far do lite topics scale?")),
            result => $"The researcher says: {result}");
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        string answer = await kernel.AskAsync("How far do lite topics scale?");

        Assert.Equal("The researcher says: lite topics scale to millions (asked by assistant: how far do lite topics scale?)", answer);
    }

    [Fact]
    public async Task The_plugin_can_be_added_on_a_kernel_builder_under_another_name()
    {
        await using var fixture = shared.Broker.Scope();
        await using var echo = await (await fixture.ConnectAsync()).CreateAgentAsync("echo", (ctx, ct) => ctx.ReplyAsync(ctx.GetBody<string>(), ct));
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent", plugin: "bus"), Args(("agentId", "echo"), ("question", "ping")), result => result);
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(new ChatClientBuilder(model).UseKernelFunctionInvocation().Build().AsChatCompletionService());
        builder.Plugins.AddAgentBus(me, new AgentBusPluginOptions { PluginName = "bus" });

        Assert.Equal("ping", await builder.Build().AskAsync("Ping the echo agent."));
    }

    [Fact]
    public async Task The_model_sees_every_function_with_a_description_and_described_parameters()
    {
        await using var fixture = shared.Broker.Scope();
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.Answering(_ => "nothing to do");
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        await kernel.AskAsync("hello");

        var tools = model.Calls.Single().Options!.Tools!.OfType<AIFunction>().ToDictionary(t => t.Name);
        Assert.Equal(
            [Tool("ask_agent"), Tool("list_agents"), Tool("read_session_history"), Tool("send_to_agent"), Tool("stream_from_agent")],
            tools.Keys.Order(StringComparer.Ordinal));
        Assert.All(tools.Values, tool => Assert.True(tool.Description.Length > 40, $"{tool.Name} has a description a model can choose by"));
        var ask = tools[Tool("ask_agent")].JsonSchema;
        var properties = ask.GetProperty("properties");
        Assert.Contains("list_agents", properties.GetProperty("agentId").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(properties.GetProperty("timeoutSeconds").TryGetProperty("description", out _));
        Assert.Equal(["agentId", "question"], ask.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Asking_an_agent_that_is_not_running_tells_the_model_at_once_what_to_do_instead()
    {
        await using var fixture = shared.Broker.Scope();
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "nobody"), ("question", "are you there?")), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me, new AgentBusPluginOptions { DefaultTimeout = TimeSpan.FromSeconds(30) });

        var started = DateTime.UtcNow;
        string answer = await kernel.AskAsync("Ask nobody.");

        Assert.StartsWith("ERROR [agent_unavailable] No replica of agent 'nobody' is running", answer, StringComparison.Ordinal);
        Assert.Contains("list_agents", answer, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "refused by the broker, not waited for until the timeout");
    }

    [Fact]
    public async Task A_peer_that_does_not_answer_in_time_is_a_timeout_result()
    {
        await using var fixture = shared.Broker.Scope();
        await using var slow = await (await fixture.ConnectAsync()).CreateAgentAsync("slow", async (ctx, ct) => await Task.Delay(Timeout.Infinite, ct));
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "slow"), ("question", "take your time"), ("timeoutSeconds", 1)),
            result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        string answer = await kernel.AskAsync("Ask the slow one.");

        Assert.StartsWith("ERROR [timeout] Agent 'slow' did not answer within 1 s", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_that_fails_is_a_remote_failure_result_with_its_error()
    {
        await using var fixture = shared.Broker.Scope();
        await using var failing = await (await fixture.ConnectAsync()).CreateAgentAsync("librarian",
            (ctx, ct) => throw new KeyNotFoundException($"no book called '{ctx.GetBody<string>()}'"));
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "librarian"), ("question", "Dune")), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        string answer = await kernel.AskAsync("Find Dune.");

        Assert.Equal("ERROR [remote_failure] Agent 'librarian' failed to answer: KeyNotFoundException: no book called 'Dune' " +
            "Next: rephrase or correct the request if the error says it was wrong, or ask another agent.", answer);
    }

    [Theory]
    [InlineData("", "question", "ERROR [bad_input] agent_id is empty.")]
    [InlineData("assistant", "question", "ERROR [bad_input] 'assistant' is your own agent id.")]
    [InlineData("researcher", " ", "ERROR [bad_input] question is empty.")]
    [InlineData("stranger", "question", "ERROR [not_allowed] You may not address agent 'stranger'. Next: address one of: researcher, writer.")]
    public async Task Bad_input_from_the_model_is_a_result_that_says_what_is_wrong(string agentId, string question, string expected)
    {
        await using var fixture = shared.Broker.Scope();
        var asked = 0;
        await using var stranger = await (await fixture.ConnectAsync()).CreateAgentAsync("stranger", (ctx, ct) =>
        {
            Interlocked.Increment(ref asked);
            return ctx.ReplyAsync("should not be asked", ct);
        });
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", agentId), ("question", question)), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me, new AgentBusPluginOptions { AllowedAgents = new HashSet<string> { "writer", "researcher" } });

        string answer = await kernel.AskAsync("Go.");

        Assert.StartsWith(expected, answer, StringComparison.Ordinal);
        Assert.Equal(0, asked);
    }

    [Fact]
    public async Task A_non_positive_timeout_is_bad_input()
    {
        await using var fixture = shared.Broker.Scope();
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "researcher"), ("question", "q"), ("timeoutSeconds", 0)), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        Assert.StartsWith("ERROR [bad_input] timeout_seconds is 0.", await kernel.AskAsync("Go."), StringComparison.Ordinal);
    }
}
