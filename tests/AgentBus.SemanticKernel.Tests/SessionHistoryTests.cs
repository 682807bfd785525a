using System.Text.Json;
using AgentBus.SemanticKernel.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.SemanticKernel;
using static AgentBus.SemanticKernel.Tests.Infrastructure.Kernels;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>read_session_history: what agents posted to a session, read without taking it over.</summary>
public sealed class SessionHistoryTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    private static async Task PostAsync(Agent from, string sessionId, params object[] messages)
    {
        foreach (var message in messages)
        {
            await from.SendToSessionAsync(sessionId, message);
        }
    }

    [Fact]
    public async Task The_model_reads_what_agents_posted_to_its_session()
    {
        await using var fixture = shared.Broker.Scope();
        await using var researcher = await (await fixture.ConnectAsync()).CreateAgentAsync("researcher");
        await using var writer = await (await fixture.ConnectAsync()).CreateAgentAsync("writer");
        await PostAsync(researcher, "conv-1", "found three sources");
        await PostAsync(writer, "conv-1", new { draft = 1, words = 250 });
        await PostAsync(writer, "other", "not this session");
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("read_session_history"), Args(), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me, new AgentBusPluginOptions { SessionId = "conv-1" });

        var page = JsonDocument.Parse(await kernel.AskAsync("What happened so far?")).RootElement;

        var messages = page.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("offset").GetInt64(), m.GetProperty("from").GetString(), m.GetProperty("kind").GetString(), m.GetProperty("text").GetString()))
            .ToArray();
        Assert.Equal([(0L, "researcher", "message", "found three sources"), (1L, "writer", "message", """{"draft":1,"words":250}""")], messages);
        Assert.Equal((2L, 2L, false), (page.GetProperty("next_offset").GetInt64(), page.GetProperty("end_offset").GetInt64(), page.GetProperty("more").GetBoolean()));
    }

    [Fact]
    public async Task The_model_pages_through_a_long_history_of_a_session_it_names()
    {
        await using var fixture = shared.Broker.Scope();
        await using var worker = await (await fixture.ConnectAsync()).CreateAgentAsync("worker");
        await PostAsync(worker, "job-9", "step 1", "step 2", "step 3", "step 4", "step 5");
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = new ScriptedChatClient(turn => turn.ToolResults.Count switch
        {
            0 => ScriptedStep.Call(Tool("read_session_history"), Args(("sessionId", "job-9"), ("maxCount", 2))),
            1 => ScriptedStep.Call(Tool("read_session_history"), Args(("sessionId", "job-9"), ("fromOffset",
                JsonDocument.Parse(turn.LastToolResult!).RootElement.GetProperty("next_offset").GetInt64()), ("maxCount", 10))),
            _ => ScriptedStep.Text(string.Join(" / ", turn.ToolResults.Select(r => ScriptedTurn.TextOf(r)))),
        });
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me, new AgentBusPluginOptions { MaxHistoryMessages = 3 });

        string[] pages = (await kernel.AskAsync("Summarise job 9.")).Split(" / ");

        var first = JsonDocument.Parse(pages[0]).RootElement;
        var second = JsonDocument.Parse(pages[1]).RootElement;
        Assert.Equal(["step 1", "step 2"], first.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.True(first.GetProperty("more").GetBoolean());
        // The second read asked for 10; the plugin's bound is 3.
        Assert.Equal(["step 3", "step 4", "step 5"], second.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.False(second.GetProperty("more").GetBoolean());
    }

    [Fact]
    public async Task Without_a_session_reading_history_is_bad_input()
    {
        await using var fixture = shared.Broker.Scope();
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("read_session_history"), Args(), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        Assert.Equal("ERROR [bad_input] This conversation has no session. Next: give the session_id to read.", await kernel.AskAsync("What happened?"));
    }

    [Fact]
    public async Task A_hosted_kernel_reads_the_session_of_the_request_it_answers()
    {
        await using var fixture = shared.Broker.Scope();
        await using var planner = await (await fixture.ConnectAsync()).CreateAgentAsync("planner");
        await PostAsync(planner, "trip-3", "the user flies on Monday");
        var model = ScriptedChatClient.CallingTool(Tool("read_session_history"), Args(),
            result => string.Join("; ", JsonDocument.Parse(result).RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString())));
        await using var host = await (await fixture.ConnectAsync()).CreateKernelAgentAsync("assistant", With(model),
            options: new KernelAgentOptions { BusPlugin = new AgentBusPluginOptions() });
        await using var gateway = await (await fixture.ConnectAsync()).CreateAgentAsync("gateway");

        Assert.Equal("the user flies on Monday",
            await gateway.RequestAsync<string, string>("assistant", "When do I fly?", new RequestOptions { SessionId = "trip-3" }));
    }

    [Fact]
    public async Task A_broker_that_cannot_read_history_is_an_unsupported_result()
    {
        await using var fixture = await BusBroker.StartAsync(configureServer: server => server.EnableAdminService = false);
        await using var me = await (await fixture.ConnectAsync()).CreateAgentAsync("assistant");
        var model = ScriptedChatClient.CallingTool(Tool("read_session_history"), Args(("sessionId", "conv-1")), result => result);
        var kernel = With(model);
        kernel.Plugins.AddAgentBus(me);

        Assert.StartsWith("ERROR [unsupported] This agent bus cannot read a session's history.", await kernel.AskAsync("What happened?"), StringComparison.Ordinal);
    }
}
