using System.Security.Cryptography;
using AgentBus.Broker.Topics;
using AgentBus.Server.Clients;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AgentBus.Server.Tests;

public sealed class SendReceiveTests(SharedTestBroker shared) : IClassFixture<SharedTestBroker>
{
    [Fact]
    public async Task A_consumer_asking_for_a_crc32_body_digest_gets_one_and_others_keep_md5()
    {
        var broker = shared.Broker;
        var producer = broker.Client();
        await producer.SendOkAsync(TestClient.Message("digests", "hello"));
        await producer.SendOkAsync(TestClient.Message("digests", "world"));

        var agentBusClient = broker.Client();
        var options = agentBusClient.Options();
        options.Headers!.Add(ClientMetadata.BodyDigestHeader, ClientMetadata.Crc32Digest);
        using (var call = agentBusClient.Stub.ReceiveMessage(TestClient.ReceiveRequest("digests", "checkers", batch: 1), options))
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                if (response.ContentCase == ReceiveMessageResponse.ContentOneofCase.Message)
                {
                    var digest = response.Message.SystemProperties.BodyDigest;
                    Assert.Equal(DigestType.Crc32, digest.Type);
                    Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(response.Message.Body.Span).ToString("X8", System.Globalization.CultureInfo.InvariantCulture),
                        digest.Checksum);
                }
            }
        }

        var official = Assert.Single((await broker.Client().ReceiveAsync("digests", "checkers", batch: 1)).Messages);
        Assert.Equal(DigestType.Md5, official.SystemProperties.BodyDigest.Type);
    }

    [Fact]
    public async Task Normal_messages_are_received_with_full_system_properties_and_acked_once()
    {
        var broker = shared.Broker;
        var producer = broker.Client();
        var consumer = broker.Client();
        var sent = TestClient.Message("orders", "hello", tag: "created", properties: new Dictionary<string, string> { ["k"] = "v" });
        sent.SystemProperties.Keys.Add("order-1");

        var entry = await producer.SendOkAsync(sent);
        Assert.Equal(sent.SystemProperties.MessageId, entry.MessageId);
        Assert.Equal(Code.Ok, entry.Status.Code);

        var received = await consumer.ReceiveAsync("orders", "billing");
        Assert.Equal(Code.Ok, received.Status!.Code);
        Assert.Equal(ReceiveMessageResponse.ContentOneofCase.DeliveryTimestamp, received.Responses[0].ContentCase);
        var message = Assert.Single(received.Messages);
        var system = message.SystemProperties;
        Assert.Equal("hello", message.Body.ToStringUtf8());
        Assert.Equal("orders", message.Topic.Name);
        Assert.Equal("v", message.UserProperties["k"]);
        Assert.Equal(sent.SystemProperties.MessageId, system.MessageId);
        Assert.Equal("created", system.Tag);
        Assert.Equal(["order-1"], system.Keys);
        Assert.Equal(MessageType.Normal, system.MessageType);
        Assert.Equal(Encoding.Identity, system.BodyEncoding);
        Assert.Equal(DigestType.Md5, system.BodyDigest.Type);
#pragma warning disable CA5351 // the protocol's checksum, not security
        Assert.Equal(Convert.ToHexString(MD5.HashData("hello"u8)), system.BodyDigest.Checksum);
#pragma warning restore CA5351
        Assert.Equal(1, system.DeliveryAttempt);
        Assert.Equal(entry.Offset, system.QueueOffset);
        Assert.False(string.IsNullOrEmpty(system.ReceiptHandle));
        Assert.NotNull(system.StoreTimestamp);
        Assert.Equal("test-host", system.BornHost);
        Assert.True(system.InvisibleDuration.ToTimeSpan() > TimeSpan.FromSeconds(20));

        Assert.Equal(Code.Ok, await consumer.AckAsync("orders", "billing", message));
        var again = await consumer.ReceiveAsync("orders", "billing", poll: TimeSpan.FromMilliseconds(200));
        Assert.Equal(Code.MessageNotFound, again.Status!.Code);
        Assert.Empty(again.Messages);
    }

    [Fact]
    public async Task A_batch_is_stored_whole_with_an_entry_per_message()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var batch = Enumerable.Range(0, 10).Select(i => TestClient.Message("bulk", $"m{i}")).ToArray();

        var response = await client.SendAsync(batch);

        Assert.Equal(Code.Ok, response.Status.Code);
        Assert.Equal(batch.Select(m => m.SystemProperties.MessageId), response.Entries.Select(e => e.MessageId));
        var received = await client.ReceiveAsync("bulk", "g");
        Assert.Equal(10, received.Messages.Count);
    }

    [Fact]
    public async Task Fifo_messages_of_one_group_arrive_in_order_one_batch_at_a_time()
    {
        var broker = shared.Broker;
        broker.Engine.Topics.CreateTopic(new TopicDefinition("ledger", TopicMessageType.Fifo));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("auditors", Fifo: true));
        var client = broker.Client();
        for (int i = 0; i < 5; i++)
        {
            await client.SendOkAsync(TestClient.Message("ledger", $"e{i}", messageGroup: "account-7"));
        }

        var first = await client.ReceiveAsync("ledger", "auditors", batch: 3);
        Assert.Equal(["e0", "e1", "e2"], first.Bodies);
        Assert.All(first.Messages, m => Assert.Equal(MessageType.Fifo, m.SystemProperties.MessageType));
        Assert.All(first.Messages, m => Assert.Equal("account-7", m.SystemProperties.MessageGroup));
        var blocked = await client.ReceiveAsync("ledger", "auditors", poll: TimeSpan.FromMilliseconds(200));
        Assert.Empty(blocked.Messages);

        Assert.Equal(Code.Ok, await client.AckAsync("ledger", "auditors", [.. first.Messages]));
        var rest = await client.ReceiveAsync("ledger", "auditors");
        Assert.Equal(["e3", "e4"], rest.Bodies);
    }

    [Fact]
    public async Task A_waiting_receive_gets_a_message_sent_while_it_waits()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        await client.SendOkAsync(TestClient.Message("events", "warm-up"));
        var warm = await client.ReceiveAsync("events", "g");
        await client.AckAsync("events", "g", [.. warm.Messages]);

        var waiting = client.ReceiveAsync("events", "g", poll: TimeSpan.FromSeconds(10));
        await client.SendOkAsync(TestClient.Message("events", "late"));
        var received = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["late"], received.Bodies);
    }

    [Fact]
    public async Task A_tag_filter_delivers_matching_messages_and_skips_the_rest()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        await client.SendAsync(TestClient.Message("mixed", "a", tag: "keep"), TestClient.Message("mixed", "b", tag: "drop"),
            TestClient.Message("mixed", "c", tag: "keep"));

        var received = await client.ReceiveAsync(TestClient.ReceiveRequest("mixed", "picky", tagFilter: "keep||other"));

        Assert.Equal(["a", "c"], received.Bodies.Order());
        var rest = await client.ReceiveAsync(TestClient.ReceiveRequest("mixed", "picky", poll: TimeSpan.FromMilliseconds(200)));
        Assert.Empty(rest.Messages);
    }

    [Fact]
    public async Task Change_invisible_duration_returns_a_new_handle_and_redelivers()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        await client.SendOkAsync(TestClient.Message("retry", "x"));
        var message = Assert.Single((await client.ReceiveAsync("retry", "g")).Messages);

        var changed = await client.Stub.ChangeInvisibleDurationAsync(new ChangeInvisibleDurationRequest
        {
            Group = TestClient.Res("g"),
            Topic = TestClient.Res("retry"),
            ReceiptHandle = message.SystemProperties.ReceiptHandle,
            MessageId = message.SystemProperties.MessageId,
            InvisibleDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.Zero),
        }, client.Options());

        Assert.Equal(Code.Ok, changed.Status.Code);
        Assert.NotEqual(message.SystemProperties.ReceiptHandle, changed.ReceiptHandle);
        var redelivered = Assert.Single((await client.ReceiveAsync("retry", "g", poll: TimeSpan.FromSeconds(5))).Messages);
        Assert.Equal(2, redelivered.SystemProperties.DeliveryAttempt);
        var stale = await client.AckAsync("retry", "g", message);
        Assert.Equal(Code.InvalidReceiptHandle, stale);
    }

    [Fact]
    public async Task Forward_to_dead_letter_queue_moves_the_message_to_the_groups_dlq()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        await client.SendOkAsync(TestClient.Message("work", "poison"));
        var message = Assert.Single((await client.ReceiveAsync("work", "g")).Messages);

        var response = await client.Stub.ForwardMessageToDeadLetterQueueAsync(new ForwardMessageToDeadLetterQueueRequest
        {
            Group = TestClient.Res("g"),
            Topic = TestClient.Res("work"),
            ReceiptHandle = message.SystemProperties.ReceiptHandle,
            MessageId = message.SystemProperties.MessageId,
            DeliveryAttempt = 1,
            MaxDeliveryAttempts = 1,
        }, client.Options());

        Assert.Equal(Code.Ok, response.Status.Code);
        var dead = await client.ReceiveAsync("%DLQ%g", "dlq-reader");
        Assert.Equal(["poison"], dead.Bodies);
    }

    [Fact]
    public async Task Auto_renew_keeps_a_push_consumers_delivery_invisible_and_its_original_handle_acks()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: s =>
        {
            // Renewed from 0.5 s on, leaving 3 s of slack for a late maintenance tick on a busy machine.
            s.AutoRenewInvisibleDuration = TimeSpan.FromSeconds(3.5);
            s.AutoRenewAhead = TimeSpan.FromSeconds(3);
            s.AutoRenewInterval = TimeSpan.FromMilliseconds(100);
        });
        var client = broker.Client();
        using var telemetry = client.Stub.Telemetry(client.Options());
        await RouteAndTelemetryTests.TelemetryHandshakeAsync(telemetry, ClientType.PushConsumer, "g", "jobs");
        await client.SendOkAsync(TestClient.Message("jobs", "long-running"));

        var message = Assert.Single((await client.ReceiveAsync(TestClient.ReceiveRequest("jobs", "g", autoRenew: true))).Messages);
        var other = broker.Client();
        // Longer than the invisible duration: without renewal the message would come back within this poll.
        var meanwhile = await other.ReceiveAsync("jobs", "g", poll: TimeSpan.FromSeconds(5));

        Assert.Empty(meanwhile.Messages);
        Assert.Equal(Code.Ok, await client.AckAsync("jobs", "g", message));
        await telemetry.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_long_poll_ends_before_the_calls_deadline_with_message_not_found()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var timer = System.Diagnostics.Stopwatch.StartNew();

        using var call = client.Stub.ReceiveMessage(TestClient.ReceiveRequest("idle", "g", poll: TimeSpan.FromSeconds(30)),
            client.Options(TimeSpan.FromSeconds(2)));
        var responses = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(Code.MessageNotFound, responses.Last().Status.Code);
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(2), $"The poll took {timer.Elapsed}.");
    }

    [Fact]
    public async Task Invisible_durations_outside_the_engines_range_are_refused()
    {
        var broker = shared.Broker;
        var client = broker.Client();

        var tooShort = await client.ReceiveAsync(TestClient.ReceiveRequest("t", "g", invisible: TimeSpan.FromMilliseconds(100)));
        var missing = TestClient.ReceiveRequest("t", "g");
        missing.InvisibleDuration = null;
        var absent = await client.ReceiveAsync(missing);

        Assert.Equal(Code.IllegalInvisibleTime, tooShort.Status!.Code);
        Assert.Equal(Code.IllegalInvisibleTime, absent.Status!.Code);
    }

    [Fact]
    public async Task Namespaces_are_echoed_but_not_part_of_stored_names()
    {
        var broker = shared.Broker;
        var client = broker.Client();
        var message = TestClient.Message("shared", "ns");
        message.Topic.ResourceNamespace = "tenant-a";
        await client.SendOkAsync(message);

        var request = TestClient.ReceiveRequest("shared", "g");
        request.Group.ResourceNamespace = "tenant-a";
        var received = Assert.Single((await client.ReceiveAsync(request)).Messages);

        Assert.Equal("shared", received.Topic.Name);
        Assert.Equal("tenant-a", received.Topic.ResourceNamespace);
        Assert.True(broker.Engine.Topics.TryGetTopic("shared", out _));
    }
}
