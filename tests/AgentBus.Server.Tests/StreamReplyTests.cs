using System.Buffers;
using AgentBus.Broker.Messages;
using AgentBus.Protocol.Stream;
using AgentBus.Server.Mapping;
using CsCheck;
using Google.Protobuf;

namespace AgentBus.Server.Tests;

/// <summary>
/// The broker answers the message stream's sends with its own writer (<see cref="StreamReply"/>); these tests hold it
/// to the bytes Google.Protobuf writes for the frame the reply stands for, so every client reads what it read before.
/// </summary>
public sealed class StreamReplyTests
{
    private static readonly Gen<SendResult> AnyResult =
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 0, 40], Gen.OneOf(Gen.Long[0, 3], Gen.Long[0, long.MaxValue]))
            .Select(x => new SendResult(x.Item1, "t", "l", 0, x.Item2, Durable: false));

    [Fact]
    public void A_send_reply_is_written_byte_for_byte_as_google_protobuf_writes_its_frame()
    {
        Gen.Select(Gen.OneOf(Gen.Const(0UL), Gen.ULong), AnyResult.Array[1, 4]).Sample(x =>
        {
            var (id, results) = x;
            var reply = StreamReply.Sent(id, results);
            var frame = reply.ToFrame();

            Assert.Equal(id, frame.Id);
            Assert.Equal(results.Select(r => (r.MessageId, r.QueueOffset)), frame.Send.Entries.Select(e => (e.MessageId, e.Offset)));
            Assert.Equal(frame.ToByteArray(), Write(reply));
        }, iter: 2000);
    }

    [Fact]
    public void An_ack_reply_is_written_byte_for_byte_as_google_protobuf_writes_its_frame()
    {
        var text = Gen.String[Gen.Char.AlphaNumeric, 0, 120];
        Gen.Select(Gen.OneOf(Gen.Const(0UL), Gen.ULong), Gen.Select(text, text).Array[1, 4]).Sample(x =>
        {
            var (id, entries) = x;
            var reply = StreamReply.Acked(id, [.. entries.Select(e => new IncomingAck.Entry(e.Item1, e.Item2))]);
            var frame = reply.ToFrame();

            Assert.Equal(entries.Select(e => (e.Item1, e.Item2)), frame.Ack.Entries.Select(e => (e.MessageId, e.ReceiptHandle)));
            Assert.All(frame.Ack.Entries, e => Assert.Equal(Apache.Rocketmq.V2.Code.Ok, e.Status.Code));
            Assert.Equal(frame.ToByteArray(), Write(reply));
        }, iter: 2000);
    }

    [Fact]
    public void Any_other_frame_is_written_as_it_is()
    {
        var frame = new ServerFrame { Id = 5, Refused = AgentBus.Protocol.StatusFactory.Of(Apache.Rocketmq.V2.Code.BadRequest, "no") };

        Assert.Equal(frame.ToByteArray(), Write(StreamReply.Of(frame)));
    }

    private static byte[] Write(StreamReply reply)
    {
        var context = new Context();
        StreamReply.Marshaller.ContextualSerializer(reply, context);
        Assert.Equal(context.Length, context.Buffer.WrittenCount);
        return context.Buffer.WrittenSpan.ToArray();
    }

    private sealed class Context : Grpc.Core.SerializationContext
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new();

        public int Length { get; private set; } = -1;

        public override void SetPayloadLength(int payloadLength) => Length = payloadLength;

        public override IBufferWriter<byte> GetBufferWriter() => Buffer;

        public override void Complete()
        {
        }
    }
}
