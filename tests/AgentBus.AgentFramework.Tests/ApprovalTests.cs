using System.Text.Json;
using AgentBus.AgentFramework.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests;

public sealed class ApprovalTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public async Task A_tool_approval_survives_a_restart_of_the_gateway_and_of_the_agent_and_the_run_continues()
    {
        await using var fx = shared.Broker.Scope();
        var peers = await fx.ConnectAsync("peers");
        var restarts = new List<string>();
        await using var infra = await peers.CreateAgentAsync("infra", (ctx, ct) =>
        {
            lock (restarts)
            {
                restarts.Add(ctx.GetBody<string>());
            }

            return ctx.ReplyAsync($"{ctx.GetBody<string>()}: done", ct);
        });
        var store = new InMemorySessionStore();
        var firstHost = await StartOpsHostAsync(fx, store);
        var firstGatewayBus = await fx.ConnectAsync("gateway-1");
        var ops = (await firstGatewayBus.CreateAgentAsync("gateway")).AsAIAgent("ops");
        var session = await ops.CreateSessionAsync();

        var asked = await ops.RunAsync("Restart the web service", session);
        var request = Assert.Single(asked.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>());
        JsonElement savedSession = await ops.SerializeSessionAsync(session);
        Assert.Equal("restart_service", Assert.IsType<FunctionCallContent>(request.ToolCall).Name);
        Assert.Empty(restarts);                                   // nothing runs before a human said yes

        // Both sides go down; the user approves while the agent is still down.
        await firstGatewayBus.DisposeAsync();
        await firstHost.DisposeAsync();
        var gateway = (await (await fx.ConnectAsync("gateway-1")).CreateAgentAsync("gateway")).AsAIAgent("ops",
            new BusAIAgentOptions { Timeout = TimeSpan.FromSeconds(30) });
        var restored = await gateway.DeserializeSessionAsync(savedSession);
        var approved = gateway.RunAsync(new ChatMessage(ChatRole.User, [request.CreateResponse(approved: true)]), restored);
        await StartOpsHostAsync(fx, store);

        var done = await approved.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("Done: restart web: done", done.Text);
        Assert.Equal(["restart web"], restarts);
    }

    [Fact]
    public async Task The_approval_request_waits_on_the_bus_session_for_a_gateway_that_opens_it_after_a_restart()
    {
        await using var fx = shared.Broker.Scope();
        await StartOpsHostAsync(fx, new InMemorySessionStore());
        var firstGatewayBus = await fx.ConnectAsync("gateway-1");
        var ops = (await firstGatewayBus.CreateAgentAsync("gateway")).AsAIAgent("ops");
        var session = (BusAgentSession)await ops.CreateSessionAsync();
        var asked = await ops.RunAsync("Restart the web service", session);
        var request = Assert.Single(asked.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>());
        await firstGatewayBus.DisposeAsync();

        var gateway = await (await fx.ConnectAsync("gateway-1")).CreateAgentAsync("gateway");
        await using var owned = await gateway.OpenSessionAsync(session.SessionId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        SessionMessage? first = null;
        await foreach (var message in owned.ReadAllAsync(timeout.Token))
        {
            first = message;
            break;
        }

        var pending = Assert.Single(BusAIAgent.GetApprovalRequests(first!));
        Assert.Equal(request.RequestId, pending.RequestId);
        Assert.Equal("restart_service", Assert.IsType<FunctionCallContent>(pending.ToolCall).Name);
        Assert.Equal("ops", first!.Envelope.From);
    }

    [Fact]
    public async Task A_restarted_gateway_reads_the_pending_approvals_from_the_bus_session_alone()
    {
        await using var fx = shared.Broker.Scope();
        var peers = await fx.ConnectAsync("peers");
        await using var infra = await peers.CreateAgentAsync("infra", (ctx, ct) => ctx.ReplyAsync($"{ctx.GetBody<string>()}: done", ct));
        await StartOpsHostAsync(fx, store: null);
        var firstGatewayBus = await fx.ConnectAsync("gateway-1");
        var ops = (await firstGatewayBus.CreateAgentAsync("gateway")).AsAIAgent("ops");
        var session = (BusAgentSession)await ops.CreateSessionAsync();
        await ops.RunAsync("Restart the web service", session);
        await firstGatewayBus.DisposeAsync();

        // All the restarted gateway kept is the conversation id.
        var gateway = (await (await fx.ConnectAsync("gateway-1")).CreateAgentAsync("gateway")).AsAIAgent("ops");
        var restored = new BusAgentSession(session.SessionId);
        var pending = Assert.Single(await gateway.GetPendingApprovalsAsync(restored));
        var done = await gateway.RunAsync(new ChatMessage(ChatRole.User, [pending.CreateResponse(approved: true)]), restored);

        Assert.Equal("Done: restart web: done", done.Text);
        Assert.Empty(await gateway.GetPendingApprovalsAsync(restored));
    }

    /// <summary>An operations agent whose one tool restarts a service by asking the infra agent, after a human's approval.</summary>
    private static async Task<AgentBusClient> StartOpsHostAsync(BusScope fx, AgentSessionStore? store)
    {
        var bus = await fx.ConnectAsync("ops-host");
        var tools = await bus.CreateAgentAsync("ops-tools");
        var restart = AIFunctionFactory.Create(
            async (string service, CancellationToken ct) => await tools.RequestAsync<string, string>("infra", $"restart {service}", ct: ct),
            "restart_service", "Restarts a service.");
        var model = new ScriptedChatClient(turn =>
            turn.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault() is { } result
                ? ScriptedStep.Text($"Done: {ScriptedTurn.TextOf(result)}")
                : ScriptedStep.Call("restart_service", new Dictionary<string, object?> { ["service"] = "web" }));
        await bus.HostAIAgentAsync("ops", new ChatClientAgent(model, name: "ops", tools: [new ApprovalRequiredAIFunction(restart)]),
            new AIAgentHostOptions { SessionStore = store });
        return bus;
    }
}
