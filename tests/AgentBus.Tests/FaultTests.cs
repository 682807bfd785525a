namespace AgentBus.Tests;

/// <summary>
/// The agent layer's request/response under network cuts, with one side behind a <see cref="FaultProxy"/>: the
/// request still gets its reply, and its handler runs once.
/// </summary>
public sealed class FaultTests
{
    [Fact]
    public async Task A_request_whose_reply_is_cut_off_on_its_way_to_the_gateway_still_gets_the_reply()
    {
        // A reply lost in flight comes back when its invisible time ends: 3 s here instead of 60.
        await using var broker = await BusBroker.StartAsync(configureServer: options =>
        {
            options.AutoRenewInvisibleDuration = TimeSpan.FromSeconds(3);
            options.AutoRenewAhead = TimeSpan.FromSeconds(1);
            options.AutoRenewInterval = TimeSpan.FromMilliseconds(200);
        });
        await using var proxy = FaultProxy.Start(broker.Test.Port);
        Task? cut = null;
        var workers = await broker.ConnectAsync("workers");
        await using var writer = await workers.CreateAgentAsync("writer", async (ctx, ct) =>
        {
            // The gateway's connection is cut a few hundred bytes into what comes to it next: the reply.
            cut = proxy.CutAfterAsync(FaultDirection.ToClient, 300);
            await ctx.ReplyAsync(new string('x', 4000) + ctx.GetBody<string>(), ct);
        });
        await using var gatewayBus = await ConnectThroughAsync(broker, proxy, "gateway-1");
        await using var gateway = await gatewayBus.CreateAgentAsync("gateway");

        string reply = await gateway.RequestAsync<string, string>("writer", "topic", new RequestOptions { Timeout = TimeSpan.FromSeconds(20) });

        Assert.Equal(new string('x', 4000) + "topic", reply);
        Assert.NotNull(cut);
        Assert.True(cut.IsCompletedSuccessfully, "the gateway's connection was cut before the reply arrived");
        Assert.True(proxy.ConnectionsAccepted >= 2, "the gateway reconnected");
    }

    [Fact]
    public async Task A_request_whose_worker_loses_its_connection_while_handling_it_gets_one_reply()
    {
        await using var broker = await BusBroker.StartAsync();
        await using var proxy = FaultProxy.Start(broker.Test.Port);
        int runs = 0;
        await using var workerBus = await ConnectThroughAsync(broker, proxy, "workers");
        await using var worker = await workerBus.CreateAgentAsync("planner", async (ctx, ct) =>
        {
            Interlocked.Increment(ref runs);
            // The worker's connection drops between receiving the request and replying: the reply and the ack go
            // out on a new connection.
            await proxy.CutAllAsync(CutMode.Reset);
            await ctx.ReplyAsync("plan for " + ctx.GetBody<string>(), ct);
        });
        var gateways = await broker.ConnectAsync("gateway-1");
        await using var gateway = await gateways.CreateAgentAsync("gateway");

        string reply = await gateway.RequestAsync<string, string>("planner", "a trip", new RequestOptions { Timeout = TimeSpan.FromSeconds(20) });

        Assert.Equal("plan for a trip", reply);
        Assert.Equal(1, runs);
        Assert.True(proxy.ConnectionsAccepted >= 2, "the worker reconnected");
    }

    private static Task<AgentBusClient> ConnectThroughAsync(BusBroker broker, FaultProxy proxy, string instanceId) =>
        AgentBusClient.ConnectAsync(new AgentBusOptions { Endpoints = proxy.Endpoint, InstanceId = instanceId, LoggerFactory = broker.Test.LoggerFactory });
}
