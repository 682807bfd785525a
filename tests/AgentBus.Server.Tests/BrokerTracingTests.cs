using System.Collections.Concurrent;
using System.Diagnostics;
using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Tests;

/// <summary>The broker's send and deliver spans over raw protocol calls: parents, links, and messages without a usable trace context.</summary>
public sealed class BrokerTracingTests : IDisposable, IClassFixture<SharedTestBroker>
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;
    private readonly SharedTestBroker _shared;
    private readonly string _topic = "traced-" + Guid.NewGuid().ToString("N")[..8];

    public BrokerTracingTests(SharedTestBroker shared)
    {
        _shared = shared;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "AgentBus.Server",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task A_batch_is_parented_on_its_first_message_and_linked_to_the_others()
    {
        var broker = _shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition(_topic, TopicMessageType.Normal));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g-batch"));
        var first = Context();
        var second = Context();
        var client = broker.Client();

        var response = await client.SendAsync(Traced("a", first), Traced("b", second), TestClient.Message(_topic, "c"));
        Assert.Equal(Code.Ok, response.Status.Code);
        var received = await client.ReceiveAsync(_topic, "g-batch", batch: 3, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(3, received.Messages.Count);

        await Eventually.TrueAsync(() => Spans("deliver ").Count >= 1, what: "the delivery span ended");
        foreach (var span in new[] { Assert.Single(Spans("send ")), Assert.Single(Spans("deliver ")) })
        {
            Assert.Equal(first.TraceId, span.TraceId);
            Assert.Equal(first.SpanId, span.ParentSpanId);
            var link = Assert.Single(span.Links);
            Assert.Equal(second.TraceId, link.Context.TraceId);
            Assert.Equal(second.SpanId, link.Context.SpanId);
            Assert.Equal(3, span.GetTagItem("messaging.batch.message_count"));
            Assert.Null(span.GetTagItem("messaging.message.id"));
        }
    }

    [Fact]
    public async Task A_message_with_a_malformed_traceparent_is_stored_under_a_root_span()
    {
        var broker = _shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition(_topic, TopicMessageType.Normal));
        var message = TestClient.Message(_topic, "a", properties: new Dictionary<string, string> { ["traceparent"] = "00-not-a-trace-context" });

        var entry = await broker.Client().SendOkAsync(message);

        var span = Assert.Single(Spans("send "));
        Assert.Equal(default, span.ParentSpanId);
        Assert.Equal(entry.MessageId, span.GetTagItem("messaging.message.id"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task A_refused_send_marks_its_span_failed()
    {
        await using var broker = await TestBroker.StartAsync(configure: o => o.MaxLiteTopics = 1);
        broker.Engine.Topics.CreateTopic(new TopicDefinition(_topic, TopicMessageType.Lite));
        var client = broker.Client();
        await client.SendOkAsync(TestClient.Message(_topic, "a", liteTopic: "one"));

        var refused = await client.SendAsync(TestClient.Message(_topic, "b", liteTopic: "two"));

        Assert.Equal(Code.LiteTopicQuotaExceeded, refused.Status.Code);
        var failed = Assert.Single(Spans("send "), s => s.Status == ActivityStatusCode.Error);
        Assert.Equal("two", failed.GetTagItem("agentbus.lite_topic"));
        Assert.Equal(typeof(AgentBus.Broker.Errors.BrokerException).FullName, failed.GetTagItem("error.type"));
    }

    public void Dispose() => _listener.Dispose();

    private static ActivityContext Context() => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    private Message Traced(string body, ActivityContext context) =>
        TestClient.Message(_topic, body, properties: new Dictionary<string, string> { ["traceparent"] = $"00-{context.TraceId}-{context.SpanId}-01" });

    /// <summary>This test's spans (other tests run brokers of their own in parallel).</summary>
    private List<Activity> Spans(string operation) => [.. _spans.Where(s => s.DisplayName == operation + _topic)];
}
