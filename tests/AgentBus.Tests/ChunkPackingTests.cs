using AgentBus.Client.Messages;
using AgentBus.Envelopes;
using AgentBus.Tests.Infrastructure;
using CsCheck;

namespace AgentBus.Tests;

public sealed class ChunkPackingTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    [Fact]
    public void Packed_chunks_unpack_to_the_same_bytes_in_order()
    {
        Gen.Byte.Array[0, 40].Array[1, ChunkPacking.MaxChunksPerMessage].Sample(chunks =>
        {
            var packed = ChunkPacking.Pack([.. chunks.Select(c => (ReadOnlyMemory<byte>)c)]);
            var unpacked = new List<ReadOnlyMemory<byte>>();

            Assert.True(ChunkPacking.TryUnpack(packed, chunks.Length, unpacked));
            Assert.Equal(chunks, unpacked.Select(c => c.ToArray()));
        });
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0 }, 1)]                       // shorter than a length
    [InlineData(new byte[] { 5, 0, 0, 0, 1, 2 }, 1)]              // a length past the end
    [InlineData(new byte[] { 255, 255, 255, 255, 1 }, 1)]         // a negative length
    [InlineData(new byte[] { 1, 0, 0, 0, 7, 9 }, 1)]              // bytes left over
    [InlineData(new byte[] { 1, 0, 0, 0, 7 }, 2)]                 // fewer chunks than announced
    public void A_body_that_does_not_hold_exactly_the_announced_chunks_is_refused(byte[] body, int count) =>
        Assert.False(ChunkPacking.TryUnpack(body, count, []));

    [Fact]
    public void Resuming_at_the_resume_offset_never_skips_the_message_holding_the_next_chunk()
    {
        // Any split of a stream into messages of 1 to 64 chunks, and any last sequence seen.
        Gen.Int[1, ChunkPacking.MaxChunksPerMessage].Array[1, 60].SelectMany(sizes => Gen.Int[0, sizes.Sum() - 1].Select(after => (sizes, after)))
            .Sample(t =>
            {
                var (sizes, after) = t;
                long first = 0;
                for (int offset = 0; offset < sizes.Length; offset++)
                {
                    if (after + 1 < first + sizes[offset])
                    {
                        Assert.True(ChunkPacking.ResumeOffset(after) <= offset, $"resume at {ChunkPacking.ResumeOffset(after)}, chunk {after + 1} at {offset}");
                        return;
                    }

                    first += sizes[offset];
                }
            });
    }

    [Fact]
    public async Task A_fast_writer_packs_its_chunks_into_fewer_messages_and_a_resume_from_any_point_has_no_gap_or_duplicate()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var llm = await bus.CreateAgentAsync("llm", async (ctx, ct) =>
        {
            await using var stream = ctx.OpenReplyStream<int>();
            for (int i = 0; i < 1000; i++)
            {
                await stream.WriteAsync(i, ct);
            }
        });
        await using var caller = await bus.CreateAgentAsync("caller");
        string requestId = "packed-" + Guid.NewGuid().ToString("N");

        var all = new List<int>();
        await foreach (int chunk in caller.StreamAsync<string, int>("llm", "go", new RequestOptions { RequestId = requestId }))
        {
            all.Add(chunk);
        }

        long messages = shared.Broker.Broker.Engine.PeekLiteTopic(bus.Options.ParentTopic, LiteTopicNames.ForRequest(requestId), 0, 1).MaxOffset;
        Assert.Equal(Enumerable.Range(0, 1000), all);
        Assert.InRange(messages, 1000 / ChunkPacking.MaxChunksPerMessage + 1, 1000);
        foreach (int after in new[] { -1, 0, 62, 63, 64, 127, 500, 998, 999 })
        {
            var rest = new List<int>();
            await foreach (int chunk in caller.ResumeStreamAsync<int>(requestId, after))
            {
                rest.Add(chunk);
            }

            Assert.Equal(Enumerable.Range(after + 1, 999 - after), rest);
        }
    }

    [Fact]
    public async Task Hand_made_packed_chunks_are_read_and_a_message_with_a_bad_chunk_count_goes_to_the_dead_letter_queue()
    {
        await using var broker = shared.Broker.Scope();
        var bus = await broker.ConnectAsync();
        await using var caller = await bus.CreateAgentAsync("caller");
        string requestId = "hand-made-" + Guid.NewGuid().ToString("N");
        string topic = LiteTopicNames.ForRequest(requestId);
        await using (var producer = await bus.Provider.NewProducerBuilder().SetTopics(bus.Options.ParentTopic).BuildAsync())
        {
            Message Chunk(string kind, long seq, byte[] body, string? count = null)
            {
                // The envelope as docs/agents.md writes it, by hand as another language's client would.
                string envelope = FormattableString.Invariant($"k={kind};id={Guid.NewGuid():N};rq={requestId};n={seq}") + (count is null ? "" : ";c=" + count);
                return new MessageBuilder().SetTopic(bus.Options.ParentTopic).SetLiteTopic(topic).SetBody(body).AddProperty("ab", envelope).Build();
            }

            byte[] Json(string text) => System.Text.Encoding.UTF8.GetBytes($"\"{text}\"");
            await producer.SendAsync(Chunk("chunk", 0, ChunkPacking.Pack([Json("a"), Json("b"), Json("c")]), count: "3"));
            await producer.SendAsync(Chunk("chunk", 3, Json("x"), count: "65"));
            await producer.SendAsync(Chunk("chunk", 3, Json("d")));
            await producer.SendAsync(Chunk("end", 4, Json("4")));
        }

        var read = new List<string>();
        await foreach (string chunk in caller.ResumeStreamAsync<string>(requestId, afterSequence: -1, timeout: TimeSpan.FromSeconds(20)))
        {
            read.Add(chunk);
        }

        Assert.Equal(["a", "b", "c", "d"], read);
        Assert.Contains(shared.Broker.Test.Logs, entry => entry.Message.Contains("field 'c'", StringComparison.Ordinal) && entry.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
    }
}
