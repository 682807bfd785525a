using AgentBus.Broker.Topics;
using AgentBus.Server.Clients;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AgentBus.Server.Tests;

/// <summary>The AgentBus continuous receive: one ReceiveMessage stream carrying messages as they become ready.</summary>
public sealed class ContinuousReceiveTests
{
    private const string Parent = "agents";
    private const string Group = "workers";
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private static Task<(TestBroker Broker, TestClient Consumer, TestClient Producer)> StartAsync(params string[] liteTopics) =>
        StartAsync(autoCreate: true, liteTopics);

    private static async Task<(TestBroker Broker, TestClient Consumer, TestClient Producer)> StartAsync(bool autoCreate, params string[] liteTopics)
    {
        var broker = await TestBroker.StartAsync(configure: o => o.AutoCreate = autoCreate);
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition(Group, BindTopic: Parent));
        var consumer = broker.Client("consumer");
        Assert.Equal(Code.Ok, (await consumer.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialAdd, liteTopics)).Code);
        return (broker, consumer, broker.Client("producer"));
    }

    private static AsyncServerStreamingCall<ReceiveMessageResponse> Open(TestClient client, ReceiveMessageRequest request, bool continuous,
        TimeSpan? deadline = null, long? maxBytes = null, CancellationToken ct = default)
    {
        var options = client.Options(deadline, ct);
        if (continuous)
        {
            options.Headers!.Add(ClientMetadata.ReceiveModeHeader, ClientMetadata.ContinuousReceiveMode);
        }

        if (maxBytes is { } bytes)
        {
            options.Headers!.Add(ClientMetadata.ReceiveMaxBytesHeader, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return client.Stub.ReceiveMessage(request, options);
    }

    /// <summary>Reads the stream up to its next message (skipping the delivery timestamp); null when the stream ended first.</summary>
    private static async Task<ReceiveMessageResponse?> NextAsync(AsyncServerStreamingCall<ReceiveMessageResponse> call, List<ReceiveMessageResponse> seen)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            var response = call.ResponseStream.Current;
            seen.Add(response);
            if (response.ContentCase is ReceiveMessageResponse.ContentOneofCase.Message or ReceiveMessageResponse.ContentOneofCase.Status)
            {
                return response;
            }
        }

        return null;
    }

    [Fact]
    public async Task A_continuous_receive_carries_later_messages_on_the_same_stream_until_its_batch_size()
    {
        var (broker, consumer, producer) = await StartAsync("chat");
        await using var _ = broker;
        using var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 3, poll: TimeSpan.FromSeconds(5)), continuous: true);
        var seen = new List<ReceiveMessageResponse>();

        foreach (string body in new[] { "one", "two", "three" })
        {
            await producer.SendOkAsync(TestClient.Message(Parent, body, liteTopic: "chat"));
            var next = await NextAsync(call, seen);
            Assert.NotNull(next);
            Assert.Equal(ReceiveMessageResponse.ContentOneofCase.Message, next.ContentCase);
            Assert.Equal(body, next.Message.Body.ToStringUtf8());
        }

        // Three messages exhaust the batch size: the stream closes with OK.
        var closing = await NextAsync(call, seen);
        Assert.Equal(Code.Ok, closing!.Status.Code);
        Assert.Null(await NextAsync(call, seen));
        Assert.Equal(ReceiveMessageResponse.ContentOneofCase.DeliveryTimestamp, seen[0].ContentCase);
        Assert.Single(seen, r => r.ContentCase == ReceiveMessageResponse.ContentOneofCase.DeliveryTimestamp);
    }

    [Fact]
    public async Task Without_the_header_a_receive_ends_after_the_first_messages()
    {
        var (broker, consumer, producer) = await StartAsync("chat");
        await using var _ = broker;
        using var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 3, poll: TimeSpan.FromSeconds(5)), continuous: false);
        var seen = new List<ReceiveMessageResponse>();
        await producer.SendOkAsync(TestClient.Message(Parent, "one", liteTopic: "chat"));

        Assert.Equal("one", (await NextAsync(call, seen))!.Message.Body.ToStringUtf8());
        Assert.Equal(Code.Ok, (await NextAsync(call, seen))!.Status.Code);
        Assert.Null(await NextAsync(call, seen));
    }

    [Fact]
    public async Task A_continuous_receive_ends_after_a_long_poll_without_messages()
    {
        var (broker, consumer, producer) = await StartAsync("chat");
        await using var _ = broker;
        await producer.SendOkAsync(TestClient.Message(Parent, "one", liteTopic: "chat"));
        using var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 32, poll: TimeSpan.FromMilliseconds(300)), continuous: true);
        var seen = new List<ReceiveMessageResponse>();

        Assert.Equal("one", (await NextAsync(call, seen))!.Message.Body.ToStringUtf8());
        Assert.Equal(Code.Ok, (await NextAsync(call, seen))!.Status.Code);
        Assert.Null(await NextAsync(call, seen));
    }

    [Fact]
    public async Task A_continuous_receive_ends_in_time_before_the_call_deadline()
    {
        var (broker, consumer, producer) = await StartAsync("chat");
        await using var _ = broker;
        await producer.SendOkAsync(TestClient.Message(Parent, "one", liteTopic: "chat"));
        // The long poll (10 s) outlasts the call's deadline (4 s): the stream must close normally before the deadline. The
        // broker ends 500 ms ahead of it; a deadline of 2 s left too little of the rest for a loaded 2-core CI run.
        using var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 32, poll: TimeSpan.FromSeconds(10)), continuous: true,
            deadline: TimeSpan.FromSeconds(4));
        var seen = new List<ReceiveMessageResponse>();

        Assert.Equal("one", (await NextAsync(call, seen))!.Message.Body.ToStringUtf8());
        Assert.Equal(Code.Ok, (await NextAsync(call, seen))!.Status.Code);
        Assert.Null(await NextAsync(call, seen));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Messages_written_before_the_client_cancels_stay_with_it_and_later_ones_wait_for_the_next_receive()
    {
        var (broker, consumer, producer) = await StartAsync("chat");
        await using var _ = broker;
        using var cancel = new CancellationTokenSource();
        var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 32, poll: TimeSpan.FromSeconds(10)), continuous: true, ct: cancel.Token);
        var seen = new List<ReceiveMessageResponse>();
        await producer.SendOkAsync(TestClient.Message(Parent, "one", liteTopic: "chat"));
        var first = (await NextAsync(call, seen))!.Message;
        await Eventually.TrueAsync(() => broker.Metrics.WaitingReceives == 1);

        await cancel.CancelAsync();
        call.Dispose();
        await Eventually.TrueAsync(() => broker.Metrics.WaitingReceives == 0);
        await producer.SendOkAsync(TestClient.Message(Parent, "two", liteTopic: "chat"));

        // "one" stays invisible (the client has it); "two" was not lost to the cancelled stream.
        var next = await consumer.ReceiveAsync(Parent, Group, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(["two"], next.Bodies);
        Assert.Equal(Code.Ok, await consumer.AckAsync(Parent, Group, first));
        Assert.Equal(Code.Ok, await consumer.AckAsync(Parent, Group, [.. next.Messages]));
        Assert.Equal(0, broker.Engine.LiteBacklog(Parent, "chat", Group));
    }

    [Fact]
    public async Task A_continuous_receive_serves_every_lite_topic_of_the_client_in_order()
    {
        var (broker, consumer, producer) = await StartAsync("a", "b");
        await using var _ = broker;
        using var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 100, poll: TimeSpan.FromSeconds(2)), continuous: true);
        var seen = new List<ReceiveMessageResponse>();
        var received = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, $"a{i}", liteTopic: "a"));
            await producer.SendOkAsync(TestClient.Message(Parent, $"b{i}", liteTopic: "b"));
        }

        // Bounded: 40 messages, then the poll times out and the stream closes.
        while (await NextAsync(call, seen) is { ContentCase: ReceiveMessageResponse.ContentOneofCase.Message } response)
        {
            received.Add(response.Message.Body.ToStringUtf8());
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"a{i}"), received.Where(b => b[0] == 'a'));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"b{i}"), received.Where(b => b[0] == 'b'));
    }

    [Fact]
    public async Task A_continuous_receive_ends_once_its_bodies_reach_the_byte_bound_and_says_it_is_continuous()
    {
        var (broker, consumer, producer) = await StartAsync("chat");
        await using var _ = broker;
        string body = new('x', 1000);
        for (int i = 0; i < 6; i++)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, body, liteTopic: "chat"));
        }

        // All six are ready: a bound of 2,500 bytes lets three 1,000-byte bodies out (the third crosses it).
        using var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 32, poll: TimeSpan.FromSeconds(5)), continuous: true,
            maxBytes: 2500);
        var seen = new List<ReceiveMessageResponse>();
        int messages = 0;
        while (await NextAsync(call, seen) is { ContentCase: ReceiveMessageResponse.ContentOneofCase.Message })
        {
            messages++;
        }

        Assert.Equal(3, messages);
        Assert.Equal(Code.Ok, seen[^1].Status.Code);
        var headers = await call.ResponseHeadersAsync;
        Assert.Equal(ClientMetadata.ContinuousReceiveMode, headers.GetValue(ClientMetadata.ReceiveModeHeader));
    }

    [Fact]
    public async Task A_one_shot_receive_does_not_claim_to_be_continuous_and_ignores_a_byte_bound()
    {
        var (broker, consumer, producer) = await StartAsync("chat");
        await using var _ = broker;
        for (int i = 0; i < 3; i++)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, new string('x', 1000), liteTopic: "chat"));
        }

        using var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 32, poll: TimeSpan.FromSeconds(5)), continuous: false,
            maxBytes: 10);
        var seen = new List<ReceiveMessageResponse>();
        while (await NextAsync(call, seen) is not null)
        {
        }

        Assert.Equal(3, seen.Count(r => r.ContentCase == ReceiveMessageResponse.ContentOneofCase.Message));
        Assert.Null((await call.ResponseHeadersAsync).GetValue(ClientMetadata.ReceiveModeHeader));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("99999999999999999999999")]
    public async Task A_malformed_byte_bound_is_ignored(string value)
    {
        var (broker, consumer, producer) = await StartAsync("chat");
        await using var _ = broker;
        for (int i = 0; i < 3; i++)
        {
            await producer.SendOkAsync(TestClient.Message(Parent, "x", liteTopic: "chat"));
        }

        var options = consumer.Options();
        options.Headers!.Add(ClientMetadata.ReceiveModeHeader, ClientMetadata.ContinuousReceiveMode);
        options.Headers.Add(ClientMetadata.ReceiveMaxBytesHeader, value);
        using var call = consumer.Stub.ReceiveMessage(TestClient.ReceiveRequest(Parent, Group, batch: 3, poll: TimeSpan.FromSeconds(5)), options);
        var seen = new List<ReceiveMessageResponse>();
        while (await NextAsync(call, seen) is not null)
        {
        }

        Assert.Equal(3, seen.Count(r => r.ContentCase == ReceiveMessageResponse.ContentOneofCase.Message));
        Assert.Equal(Code.Ok, seen[^1].Status.Code);
    }

    [Fact]
    public async Task A_refusal_after_the_first_messages_ends_the_stream_normally_and_the_next_receive_gets_the_status()
    {
        var (broker, consumer, producer) = await StartAsync(autoCreate: false, "chat");
        await using var _ = broker;
        using var call = Open(consumer, TestClient.ReceiveRequest(Parent, Group, batch: 32, poll: TimeSpan.FromSeconds(5)), continuous: true);
        var seen = new List<ReceiveMessageResponse>();
        await producer.SendOkAsync(TestClient.Message(Parent, "one", liteTopic: "chat"));
        Assert.Equal("one", (await NextAsync(call, seen))!.Message.Body.ToStringUtf8());

        // The group disappears while the stream waits for more: the poll under way still delivers, the next one is
        // refused, and the stream ends normally with what it delivered.
        await Eventually.TrueAsync(() => broker.Metrics.WaitingReceives == 1);
        Assert.True(broker.Engine.Topics.DeleteGroup(Group));
        await producer.SendOkAsync(TestClient.Message(Parent, "two", liteTopic: "chat"));
        Assert.Equal("two", (await NextAsync(call, seen))!.Message.Body.ToStringUtf8());
        Assert.Equal(Code.Ok, (await NextAsync(call, seen))!.Status.Code);
        Assert.Null(await NextAsync(call, seen));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);

        var next = await consumer.ReceiveAsync(Parent, Group, poll: TimeSpan.FromMilliseconds(200));
        Assert.Equal(Code.ConsumerGroupNotFound, next.Status!.Code);
    }
}
