using AgentBus.Broker.Consumption;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;
using CsCheck;

namespace AgentBus.Broker.Tests.Engine;

/// <summary>
/// Random interleavings of sends, receives by two clients of one group, acks and clock jumps. Invariants: every
/// message is eventually acknowledged (delivered at least once per group); first deliveries of a lite topic come in
/// offset order; no message is held by two clients at once; in FIFO mode no lite topic has two batches in flight.
/// </summary>
public sealed class DeliveryPropertyTests
{
    private static readonly string[] LiteTopics = ["s0", "s1", "s2", "s3"];
    private const int InvisibleSeconds = 10;

    private static readonly Gen<(int Kind, int Arg, int Count)[]> Operations =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[1, 5]).Array[10, 60];

    [Fact]
    public Task SharedGroup() => Operations.SampleAsync(ops => RunAsync(ops, fifo: false), iter: 200, threads: 1);

    [Fact]
    public Task FifoGroup() => Operations.SampleAsync(ops => RunAsync(ops, fifo: true), iter: 200, threads: 1);

    private static async Task RunAsync((int Kind, int Arg, int Count)[] operations, bool fifo)
    {
        await using var h = await EngineHarness.StartAsync();
        h.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        h.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents", Fifo: fifo, MaxDeliveryAttempts: 1000));
        string[] clients = ["c0", "c1"];
        foreach (string client in clients)
        {
            h.Engine.SyncLiteSubscription(client, "g", "agents", LiteSyncAction.PartialAdd, LiteTopics);
        }

        var sent = new HashSet<string>();
        var acked = new HashSet<string>();
        var held = new List<(string Client, Delivery Delivery)>();
        var firstDeliveryOffsets = LiteTopics.ToDictionary(t => t, _ => -1L);

        foreach (var (kind, arg, count) in operations)
        {
            switch (kind)
            {
                case 0:
                    for (int i = 0; i < count; i++)
                    {
                        var result = await h.SendLiteAsync("agents", LiteTopics[arg]);
                        sent.Add(result.MessageId);
                    }

                    break;
                case 1:
                    Receive(await h.ReceiveAsync(clients[arg % 2], "g", max: count, invisibleSeconds: InvisibleSeconds), clients[arg % 2]);
                    break;
                case 2:
                    for (int i = 0; i < count && held.Count > 0; i++)
                    {
                        var (_, delivery) = held[(arg + i) % held.Count];
                        held.Remove(held.First(x => x.Delivery == delivery));
                        if (delivery.InvisibleUntil > h.Time.GetUtcNow())
                        {
                            h.Engine.Ack("g", delivery.ReceiptHandle);
                            acked.Add(delivery.Message.MessageId);
                        }
                    }

                    break;
                default:
                    h.Time.Advance(TimeSpan.FromSeconds(arg * 4));
                    break;
            }
        }

        // Drain: the clients keep receiving and acking; the clock moves so abandoned deliveries come back.
        for (int round = 0; round < 200 && acked.Count < sent.Count; round++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(InvisibleSeconds + 1));
            held.Clear();
            foreach (string client in clients)
            {
                var batch = await h.ReceiveAsync(client, "g", max: 32, invisibleSeconds: InvisibleSeconds);
                Receive(batch, client);
                foreach (var delivery in batch)
                {
                    h.Engine.Ack("g", delivery.ReceiptHandle);
                    acked.Add(delivery.Message.MessageId);
                }
            }
        }

        Assert.Equal(sent.Order(), acked.Order());

        void Receive(IReadOnlyList<Delivery> batch, string client)
        {
            // One batch may hold several messages of a FIFO lite topic; check against earlier batches only.
            foreach (var delivery in batch)
            {
                Check(client, delivery);
            }

            held.AddRange(batch.Select(delivery => (client, delivery)));
        }

        void Check(string client, Delivery delivery)
        {
            var now = h.Time.GetUtcNow();
            string lite = delivery.Message.LiteTopic!;
            long offset = delivery.Message.QueueOffset;
            if (delivery.DeliveryAttempt == 1)
            {
                Assert.Equal(firstDeliveryOffsets[lite] + 1, offset); // first deliveries in order, none skipped
                firstDeliveryOffsets[lite] = offset;
            }

            foreach (var (otherClient, other) in held)
            {
                if (other.InvisibleUntil <= now || acked.Contains(other.Message.MessageId))
                {
                    continue;
                }

                Assert.False(other.Message.MessageId == delivery.Message.MessageId,
                    $"{delivery.Message.MessageId} held by {otherClient} and delivered to {client}");
                if (fifo && other.Message.LiteTopic == lite)
                {
                    Assert.Fail($"FIFO lite topic {lite} delivered to {client} while {otherClient} holds offset {other.Message.QueueOffset}");
                }
            }
        }
    }
}
