using AgentBus.SemanticKernel.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using static AgentBus.SemanticKernel.Tests.Infrastructure.Kernels;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>A kernel hosted as a bus agent: requests, streamed requests, one-way messages, sessions, and kernels calling kernels.</summary>
public sealed class KernelAgentTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task A_hosted_kernel_answers_a_request_with_its_chat_completion_under_its_instructions()
    {
        await using var fixture = shared.Broker.Scope();
        var model = ScriptedChatClient.Answering(prompt => $"A short text about {prompt}");
        await using var writer = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("writer", With(model), "You write short texts.");
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        string text = await gateway.RequestAsync<string, string>("writer", "lite topics");

        Assert.Equal("A short text about lite topics", text);
        var turn = model.Calls.Single();
        Assert.Equal((ChatRole.System, "You write short texts."), (turn.Messages[0].Role, turn.Messages[0].Text));
        Assert.Equal((ChatRole.User, "lite topics"), (turn.Messages[^1].Role, turn.Messages[^1].Text));
    }

    [Fact]
    public async Task A_streamed_request_gets_the_models_tokens_as_several_chunks()
    {
        await using var fixture = shared.Broker.Scope();
        var model = ScriptedChatClient.Answering(prompt => $"Lite topics are tiny dynamic topics under one parent, one per {prompt}, millions of them.");
        await using var writer = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("writer", With(model));
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        var chunks = new List<string>();
        await foreach (string chunk in gateway.StreamAsync<string, string>("writer", "agent"))
        {
            chunks.Add(chunk);
        }

        Assert.True(chunks.Count > 3, $"{chunks.Count} chunks");
        Assert.Equal("Lite topics are tiny dynamic topics under one parent, one per agent, millions of them.", string.Concat(chunks));
    }

    [Fact]
    public async Task A_request_record_carries_instructions_for_one_turn()
    {
        await using var fixture = shared.Broker.Scope();
        var model = new ScriptedChatClient(turn => ScriptedStep.Text(string.Join(" | ", turn.Messages.Select(m => $"{m.Role}: {m.Text}"))));
        await using var writer = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("writer", With(model), "Be brief.");
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        string text = await gateway.RequestAsync<KernelAgentRequest, string>("writer", new KernelAgentRequest("hello") { Instructions = "Answer in French." });

        Assert.Equal("system: Be brief. | system: Answer in French. | user: hello", text);
    }

    [Fact]
    public async Task A_session_keeps_its_conversation_and_another_session_does_not_see_it()
    {
        await using var fixture = shared.Broker.Scope();
        var model = new ScriptedChatClient(turn => ScriptedStep.Text(
            turn.LastUserText.StartsWith("My name", StringComparison.Ordinal) ? "Nice to meet you."
            : turn.Messages.Any(m => m.Text.Contains("Ada", StringComparison.Ordinal)) ? "You are Ada." : "I do not know your name."));
        await using var writer = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("writer", With(model), "You are friendly.");
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");
        var s1 = new RequestOptions { SessionId = "s1" };

        Assert.Equal("Nice to meet you.", await gateway.RequestAsync<string, string>("writer", "My name is Ada.", s1));
        Assert.Equal("You are Ada.", await gateway.RequestAsync<string, string>("writer", "What is my name?", s1));
        Assert.Equal("I do not know your name.", await gateway.RequestAsync<string, string>("writer", "What is my name?", new RequestOptions { SessionId = "s2" }));
        Assert.Equal("I do not know your name.", await gateway.RequestAsync<string, string>("writer", "What is my name?"));

        // The second turn of s1: instructions once, then the first turn, then the new prompt.
        var second = model.Calls.ElementAt(1);
        Assert.Equal(
            [(ChatRole.System, "You are friendly."), (ChatRole.User, "My name is Ada."), (ChatRole.Assistant, "Nice to meet you."), (ChatRole.User, "What is my name?")],
            second.Messages.Select(m => (m.Role, m.Text)));
    }

    [Fact]
    public async Task A_streamed_turn_is_kept_in_the_session_too()
    {
        await using var fixture = shared.Broker.Scope();
        var model = new ScriptedChatClient(turn => ScriptedStep.Text($"turn {turn.Messages.Count(m => m.Role == ChatRole.User)} of this session"));
        await using var writer = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("writer", With(model));
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");
        var session = new RequestOptions { SessionId = "streamed" };

        var streamed = new List<string>();
        await foreach (string chunk in gateway.StreamAsync<string, string>("writer", "first", session))
        {
            streamed.Add(chunk);
        }

        Assert.Equal("turn 1 of this session", string.Concat(streamed));
        Assert.Equal("turn 2 of this session", await gateway.RequestAsync<string, string>("writer", "second", session));
        Assert.Equal((ChatRole.Assistant, "turn 1 of this session"), (model.Calls.Last().Messages[1].Role, model.Calls.Last().Messages[1].Text));
    }

    [Fact]
    public async Task A_persistent_history_store_lets_a_restarted_agent_continue_the_session()
    {
        await using var fixture = shared.Broker.Scope();
        var store = new JsonHistoryStore();
        var model = new ScriptedChatClient(turn => ScriptedStep.Text($"I have seen {turn.Messages.Count(m => m.Role == ChatRole.User)} prompts"));
        var options = new KernelAgentOptions { HistoryStore = store };
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");
        var session = new RequestOptions { SessionId = "long-running" };

        await using (var first = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("writer", With(model), options: options))
        {
            Assert.Equal("I have seen 1 prompts", await gateway.RequestAsync<string, string>("writer", "one", session));
        }

        await using var second = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("writer", With(model), options: options);
        Assert.Equal("I have seen 2 prompts", await gateway.RequestAsync<string, string>("writer", "two", session));
        Assert.Contains("I have seen 2 prompts", store.Rows["writer/long-running"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_no_prompt_is_refused_as_an_invalid_message()
    {
        await using var fixture = shared.Broker.Scope();
        var model = ScriptedChatClient.Answering(prompt => prompt);
        await using var writer = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("writer", With(model));
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        var error = await Assert.ThrowsAsync<RemoteAgentException>(() => gateway.RequestAsync<int[], string>("writer", [1, 2, 3]));

        Assert.Equal("InvalidMessage", error.ErrorType);
        Assert.Contains("a JSON string, or an object", error.RemoteMessage, StringComparison.Ordinal);
        Assert.Empty(model.Calls);
    }

    [Fact]
    public async Task A_kernel_with_only_an_IChatClient_is_hosted_with_function_calling()
    {
        await using var fixture = shared.Broker.Scope();
        await using var echo = await (await fixture.ConnectAsync()).CreateAgentAsync("echo", (ctx, ct) => ctx.ReplyAsync($"echo: {ctx.GetBody<string>()}", ct));
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "echo"), ("question", "ping")), result => $"heard {result}");
        var builder = Kernel.CreateBuilder();
        builder.Services.AddChatClient(model);                          // no function invocation of its own
        await using var host = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("host", builder.Build(),
            options: new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions() });
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        Assert.Equal("heard echo: ping", await gateway.RequestAsync<string, string>("host", "go"));
    }

    [Fact]
    public async Task A_kernel_without_a_chat_completion_service_is_refused_before_it_serves()
    {
        await using var fixture = shared.Broker.Scope();
        var bus = await fixture.ConnectAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bus.CreateKernelAgentAsync("writer", new Kernel()));

        Assert.Contains("no chat completion service", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_kernels_talk_through_the_bus_and_the_call_stays_in_the_requests_session()
    {
        await using var fixture = shared.Broker.Scope();
        var expert = ScriptedChatClient.Answering(question => $"[expert] partitions by lite topic, for '{question}'");
        await using var b = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("expert", With(expert), "You are the storage expert.");
        var lead = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "expert"), ("question", "how is the data partitioned?")),
            result => $"Our expert says: {result}");
        await using var a = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("lead", With(lead), "You coordinate experts.",
            new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions() });
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        string answer = await gateway.RequestAsync<string, string>("lead", "How is the data partitioned?", new RequestOptions { SessionId = "conv-1" });

        Assert.Equal("Our expert says: [expert] partitions by lite topic, for 'how is the data partitioned?'", answer);
        // The expert saw the question once, as a user message (no tool of its own), and the lead's function result was the expert's answer.
        Assert.Equal("how is the data partitioned?", expert.Calls.Single().LastUserText);
        Assert.Contains("[expert] partitions by lite topic, for 'how is the data partitioned?'", lead.ToolResultsSeen());

        // The lead's call belonged to the request's session: the expert continues that conversation on the next call in it.
        string again = await gateway.RequestAsync<string, string>("lead", "And replicas?", new RequestOptions { SessionId = "conv-1" });
        Assert.StartsWith("Our expert says:", again, StringComparison.Ordinal);
        Assert.Equal(
            ["how is the data partitioned?", "[expert] partitions by lite topic, for 'how is the data partitioned?'", "how is the data partitioned?"],
            expert.Calls.Last().Messages.Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }

    [Fact]
    public async Task A_hosted_kernels_calls_carry_the_session_of_the_request_it_answers()
    {
        await using var fixture = shared.Broker.Scope();
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = await (await fixture.ConnectAsync()).CreateAgentAsync("peer", (ctx, ct) =>
        {
            seen.TrySetResult(ctx.Envelope.SessionId);
            return ctx.ReplyAsync("ok", ct);
        });
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "peer"), ("question", "q")), result => result);
        await using var host = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("host", With(model),
            options: new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions { SessionId = "configured" } });
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        Assert.Equal("ok", await gateway.RequestAsync<string, string>("host", "go", new RequestOptions { SessionId = "from-request" }));
        Assert.Equal("from-request", await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_hosted_kernels_calls_end_by_the_deadline_of_the_request_it_answers()
    {
        await using var fixture = shared.Broker.Scope();
        var deadline = new TaskCompletionSource<DateTimeOffset?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = await (await fixture.ConnectAsync()).CreateAgentAsync("peer", (ctx, ct) =>
        {
            deadline.TrySetResult(ctx.Envelope.Deadline);
            return ctx.ReplyAsync("ok", ct);
        });
        var model = ScriptedChatClient.CallingTool(Tool("ask_agent"), Args(("agentId", "peer"), ("question", "q"), ("timeoutSeconds", 120)), result => result);
        await using var host = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("host", With(model),
            options: new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions() });
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        var asked = DateTimeOffset.UtcNow;
        Assert.Equal("ok", await gateway.RequestAsync<string, string>("host", "go", new RequestOptions { Timeout = TimeSpan.FromSeconds(5) }));
        var inner = await deadline.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(inner);
        Assert.InRange(inner.Value, asked, asked + TimeSpan.FromSeconds(6));   // the model asked for 120 s
    }

    [Fact]
    public async Task A_one_way_message_runs_the_model_which_acts_through_the_bus()
    {
        await using var fixture = shared.Broker.Scope();
        var delivered = new TaskCompletionSource<(string Body, string? From)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var collector = await (await fixture.ConnectAsync()).CreateAgentAsync("collector", (ctx, ct) =>
        {
            delivered.TrySetResult((ctx.GetBody<string>(), ctx.Envelope.From));
            return ValueTask.CompletedTask;
        });
        var model = new ScriptedChatClient(turn => turn.LastToolResult is null
            ? ScriptedStep.Call(Tool("send_to_agent"), Args(("agentId", "collector"), ("message", $"summary of: {turn.LastUserText}")))
            : ScriptedStep.Text("done"));
        await using var worker = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("worker", With(model),
            options: new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions() });
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        await gateway.SendToAsync("worker", "the quarterly report");

        Assert.Equal(("summary of: the quarterly report", "worker"), await delivered.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_bus_plugin_cannot_replace_a_plugin_of_the_same_name()
    {
        await using var fixture = shared.Broker.Scope();
        var kernel = With(ScriptedChatClient.Answering(p => p));
        kernel.Plugins.AddFromFunctions("agentbus", [KernelFunctionFactory.CreateFromMethod(() => "x", "other")]);

        var bus = await fixture.ConnectAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => bus.CreateKernelAgentAsync("writer", kernel,
            options: new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions() }));
    }
}
