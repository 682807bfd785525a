using AgentBus.Broker.Topics;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit.Abstractions;

namespace AgentBus.Performance.Tests;

/// <summary>The broker's gRPC server, called with the generated stub over HTTP/2 on loopback (client and server in this process).</summary>
[Trait("Category", "AllocationBudget")]
public sealed class ServerAllocationBudgetTests(ITestOutputHelper output)
{
    /// <summary>
    /// One unary <c>SendMessage</c> of one 1 KiB message to a normal topic, counted on both sides of the call (stub,
    /// HTTP/2 client and server, the service, the engine). Measured 12,057–12,101 B in five runs on 2026-12-04 with
    /// <c>dotnet test tests/AgentBus.Performance.Tests -c Release</c>; budget 14,500 B (+20 %).
    /// </summary>
    private const double UnarySendBudget = 14_500;

    [Fact]
    public async Task A_unary_send_stays_within_its_allocation_budget()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", Broker.Topics.TopicMessageType.Normal));
        var stub = new MessagingService.MessagingServiceClient(broker.Channel);
        // One request and one set of headers for every call, so the figure is the call's and not the test's.
        var request = new SendMessageRequest { Messages = { Message("orders") } };
        var call = new CallOptions(new Metadata
        {
            { "x-mq-client-id", "budget-client" },
            { "x-mq-language", "DOT_NET" },
            { "x-mq-protocol-version", "v2" },
        });
        int sent = 0;

        double perSend = await ProcessAllocations.PerOperationAsync(warmup: 500, operations: 1_000, rounds: 3, async _ =>
        {
            var response = await stub.SendMessageAsync(request, call);
            if (response.Status.Code != Code.Ok)
            {
                Assert.Fail($"SendMessage answered {response.Status.Code}: {response.Status.Message}");
            }

            sent++;
        });

        Assert.Equal(3_500, sent);
        AllocationBudget.AtMost(output, "unary SendMessage (gRPC, loopback)", UnarySendBudget, perSend);
    }

    private static Apache.Rocketmq.V2.Message Message(string topic)
    {
        var body = new byte[1024];
        new Random(42).NextBytes(body);
        return new Apache.Rocketmq.V2.Message
        {
            Topic = new Resource { Name = topic },
            SystemProperties = new SystemProperties
            {
                MessageId = "0100163E0C7F2A00000000000001",
                BornTimestamp = Timestamp.FromDateTime(new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc)),
                BornHost = "budget-host",
                BodyEncoding = Encoding.Identity,
                MessageType = MessageType.Normal,
            },
            Body = ByteString.CopyFrom(body),
        };
    }
}
