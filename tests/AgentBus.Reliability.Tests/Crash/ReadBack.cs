using AgentBus.Client.Consuming;
using AgentBus.Protocol.Admin;

namespace AgentBus.Reliability.Tests.Crash;

/// <summary>
/// Everything a broker serves of a crash run: every lite topic peeked from its first offset to its last (admin API),
/// the normal topic consumed by a new group from the first offset of each queue. Each message counts once per
/// stored copy, under its id; a body that does not verify counts as corrupt.
/// </summary>
internal sealed class ReadBack
{
    public Dictionary<string, int> Copies { get; } = new(StringComparer.Ordinal);

    public List<string> Corrupt { get; } = [];

    public static async Task<ReadBack> ReadAsync(TestBroker broker, IEnumerable<string> liteTopics)
    {
        var read = new ReadBack();
        var admin = new AdminService.AdminServiceClient(broker.Channel);
        foreach (string liteTopic in liteTopics)
        {
            long from = 0;
            // Bounded: each page advances the offset, and the topic ends at max_offset.
            for (int page = 0; page < 100_000; page++)
            {
                var response = await admin.PeekLiteTopicAsync(
                    new PeekLiteTopicRequest { ParentTopic = CrashLoad.LiteParent, LiteTopic = liteTopic, FromOffset = from, MaxMessages = 1000 },
                    deadline: DateTime.UtcNow.AddSeconds(30));
                foreach (var message in response.Messages)
                {
                    read.Count(message.Body.Span, message.SystemProperties.Keys, $"{liteTopic}@{message.SystemProperties.QueueOffset}");
                }

                if (response.NextOffset >= response.MaxOffset || response.Messages.Count == 0)
                {
                    break;
                }

                from = response.NextOffset;
            }
        }

        await using var consumer = await broker.Provider.NewSimpleConsumerBuilder()
            .SetConsumerGroup("crash-readback")
            .Subscribe(CrashLoad.NormalTopic, FilterExpression.All)
            .SetAwaitDuration(TimeSpan.FromMilliseconds(300))
            .BuildAsync();
        // The consumer polls the topic's 4 queues in turn; a whole round without a message means all are read.
        // Nothing else writes and the invisible time outlasts the read, so nothing comes back. Bounded.
        int emptyInARow = 0;
        for (int receive = 0; receive < 1_000_000 && emptyInARow < 8; receive++)
        {
            var messages = await consumer.ReceiveAsync(32, TimeSpan.FromMinutes(10));
            emptyInARow = messages.Count == 0 ? emptyInARow + 1 : 0;
            foreach (var message in messages)
            {
                if (message.Corrupted)
                {
                    read.Corrupt.Add($"{message.MessageId}: body digest mismatch");
                    continue;
                }

                read.Count(message.Body.Span, message.Keys, $"queue {message.QueueId}@{message.Offset}");
            }
        }

        return read;
    }

    private void Count(ReadOnlySpan<byte> body, IEnumerable<string> keys, string where)
    {
        string? id = CrashMessage.Verify(body);
        if (id is null || !keys.Contains(id, StringComparer.Ordinal))
        {
            Corrupt.Add($"{where}: body does not verify or key differs");
            return;
        }

        Copies[id] = Copies.GetValueOrDefault(id) + 1;
    }
}
