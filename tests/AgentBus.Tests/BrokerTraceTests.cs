using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgentBus.Tests;

/// <summary>The broker's spans (ActivitySource AgentBus.Server) join the agents' trace through the message's traceparent.</summary>
public sealed class BrokerTraceTests
{
    [Fact]
    public async Task One_trace_runs_gateway_broker_agent_broker_gateway()
    {
        await using var broker = await BusBroker.StartAsync();
        var bus = await broker.ConnectAsync();
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "AgentBus" or "AgentBus.Server",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var echo = await bus.CreateAgentAsync("echo", (ctx, ct) => ctx.ReplyAsync(ctx.GetBody<string>() + "!", ct));
        await using var gateway = await bus.CreateAgentAsync("gateway");

        using var root = new Activity("user-request").Start();
        Assert.Equal("hi!", await gateway.RequestAsync<string, string>("echo", "hi"));
        root.Stop();

        string parent = new AgentBusOptions().ParentTopic;
        List<Activity> Trace(string name) => [.. activities.Where(a => a.TraceId == root.TraceId && a.DisplayName == name)];
        // The broker's delivery span ends once its write went out, which can be just after the caller got the reply.
        await Eventually.TrueAsync(() => Trace("send " + parent).Count >= 2 && Trace("deliver " + parent).Count >= 2 && Trace("process echo").Count == 1,
            what: "the broker's spans of the request and of the reply ended");

        var sendEcho = Assert.Single(Trace("send echo"));
        var processEcho = Assert.Single(Trace("process echo"));
        Assert.Equal(sendEcho.SpanId, processEcho.ParentSpanId);

        // gateway → broker: the request is stored and delivered under the gateway's send span.
        var storeRequest = Assert.Single(Trace("send " + parent), a => a.ParentSpanId == sendEcho.SpanId);
        var deliverRequest = Assert.Single(Trace("deliver " + parent), a => a.ParentSpanId == sendEcho.SpanId);
        // agent → broker → gateway: the reply is stored and delivered under the handler's span.
        var storeReply = Assert.Single(Trace("send " + parent), a => a.ParentSpanId == processEcho.SpanId);
        var deliverReply = Assert.Single(Trace("deliver " + parent), a => a.ParentSpanId == processEcho.SpanId);

        Assert.All(new[] { storeRequest, deliverRequest, storeReply, deliverReply }, span =>
        {
            Assert.Equal("AgentBus.Server", span.Source.Name);
            Assert.Equal(root.TraceId, span.TraceId);
            Assert.Equal("rocketmq", span.GetTagItem("messaging.system"));
            Assert.Equal(parent, span.GetTagItem("messaging.destination.name"));
            Assert.NotNull(span.GetTagItem("agentbus.lite_topic"));
            Assert.False(string.IsNullOrEmpty(span.GetTagItem("messaging.message.id") as string));
        });
        Assert.Equal(ActivityKind.Server, storeRequest.Kind);
        Assert.Equal(ActivityKind.Producer, deliverRequest.Kind);
        Assert.Equal(new AgentBusOptions().ConsumerGroup, deliverRequest.GetTagItem("messaging.consumer.group.name"));
        // The stored message and its delivery are the same message.
        Assert.Equal(storeRequest.GetTagItem("messaging.message.id"), deliverRequest.GetTagItem("messaging.message.id"));
        Assert.Equal(storeReply.GetTagItem("messaging.message.id"), deliverReply.GetTagItem("messaging.message.id"));
    }
}
