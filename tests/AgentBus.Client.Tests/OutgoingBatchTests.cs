using AgentBus.Client.Producing;
using Apache.Rocketmq.V2;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Message = AgentBus.Client.Messages.Message;
using ProtoMessage = Apache.Rocketmq.V2.Message;

namespace AgentBus.Client.Tests;

/// <summary>
/// The producer writes SendMessage requests itself; these tests hold it to the bytes Google.Protobuf writes for the
/// same request built as generated objects, for arbitrary batches.
/// </summary>
public sealed class OutgoingBatchTests
{
    private static readonly Gen<string> AnyText = Gen.String[Gen.Char, 0, 30];

    private static readonly Gen<string?> MaybeText = Gen.Bool.SelectMany(present => present ? AnyText.Select(t => (string?)t) : Gen.Const((string?)null));

    private static readonly Gen<DateTimeOffset?> MaybeTime = Gen.Bool.SelectMany(present => present
        ? Gen.Long[DateTimeOffset.UnixEpoch.Ticks - TimeSpan.TicksPerDay, DateTimeOffset.UnixEpoch.Ticks + (200 * 365 * TimeSpan.TicksPerDay)]
            .Select(ticks => (DateTimeOffset?)new DateTimeOffset(ticks, TimeSpan.Zero))
        : Gen.Const((DateTimeOffset?)null));

    private static readonly Gen<Message> AnyMessage =
        Gen.Select(AnyText, Gen.Byte.Array[0, 300], MaybeText, AnyText.List[0, 3], MaybeText, MaybeText, MaybeTime,
            Gen.Dictionary(AnyText, AnyText)[0, 6],
            (topic, body, tag, keys, group, lite, delivery, properties) =>
                new Message(topic, body, tag, keys, group, lite, delivery, properties));

    private static readonly Gen<(Message[] Messages, MessageType Type, int QueueId, string Namespace, string Host, DateTimeOffset Born)> AnyBatch =
        Gen.Select(AnyMessage.Array[1, 4], Gen.Enum<MessageType>(), Gen.OneOf(Gen.Const(0), Gen.Int), AnyText, AnyText,
            Gen.Long[0, DateTimeOffset.UnixEpoch.Ticks + (300 * 365 * TimeSpan.TicksPerDay)].Select(ticks => new DateTimeOffset(ticks, TimeSpan.Zero)));

    [Fact]
    public void Any_batch_is_written_as_google_protobuf_writes_the_same_request()
    {
        AnyBatch.Sample(batch =>
        {
            string[] ids = [.. batch.Messages.Select((_, i) => i % 2 == 0 ? $"01ID{i:D28}" : "")];
            var expected = Expected(batch.Messages, ids, batch.Type, batch.QueueId, batch.Namespace, batch.Host, batch.Born).ToByteArray();
            var outgoing = new OutgoingBatch(batch.Messages, ids, batch.Type, batch.QueueId, batch.Namespace, batch.Host, batch.Born);
            Assert.Equal(expected.Length, outgoing.CalculateSize());
            byte[] actual = Write(outgoing);
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));
            Assert.Equal(actual, outgoing.ToByteArray());
        }, iter: 2000);
    }

    [Fact]
    public void A_written_batch_parses_back_to_every_field()
    {
        var born = new DateTimeOffset(2026, 12, 4, 10, 11, 12, 345, TimeSpan.Zero).AddTicks(6789);
        var properties = new Dictionary<string, string> { ["a"] = "1", ["ab"] = "k=req;id=x", ["empty"] = "" };
        var lite = new Message("agentbus", "hello"u8.ToArray(), "tag", ["key1", "key2"], null, "agent|writer", null, properties);
        var delayed = new Message("orders", ReadOnlyMemory<byte>.Empty, null, [], "group", null, born.AddMinutes(5), new Dictionary<string, string>());

        var request = SendMessageRequest.Parser.ParseFrom(Write(new OutgoingBatch([lite, delayed], ["id-1", "id-2"], MessageType.Lite, -3, "ns", "host-1", born)));

        Assert.Equal(2, request.Messages.Count);
        var first = request.Messages[0];
        Assert.Equal(("ns", "agentbus"), (first.Topic.ResourceNamespace, first.Topic.Name));
        Assert.Equal(properties, first.UserProperties);
        Assert.Equal("hello", first.Body.ToStringUtf8());
        Assert.Equal("tag", first.SystemProperties.Tag);
        Assert.Equal(["key1", "key2"], first.SystemProperties.Keys);
        Assert.Equal("id-1", first.SystemProperties.MessageId);
        Assert.Equal(Apache.Rocketmq.V2.Encoding.Identity, first.SystemProperties.BodyEncoding);
        Assert.Equal(MessageType.Lite, first.SystemProperties.MessageType);
        Assert.Equal(born, first.SystemProperties.BornTimestamp.ToDateTimeOffset());
        Assert.Equal("host-1", first.SystemProperties.BornHost);
        Assert.Equal(-3, first.SystemProperties.QueueId);
        Assert.Equal("agent|writer", first.SystemProperties.LiteTopic);
        Assert.False(first.SystemProperties.HasMessageGroup);
        Assert.Null(first.SystemProperties.DeliveryTimestamp);

        var second = request.Messages[1];
        Assert.True(second.Body.IsEmpty);
        Assert.False(second.SystemProperties.HasTag);
        Assert.Equal("group", second.SystemProperties.MessageGroup);
        Assert.Equal(born.AddMinutes(5), second.SystemProperties.DeliveryTimestamp.ToDateTimeOffset());
    }

    /// <summary>Writes as the gRPC marshaller does: into a buffer writer.</summary>
    private static byte[] Write(OutgoingBatch batch)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        batch.WriteTo(buffer);
        Assert.Equal(batch.CalculateSize(), buffer.WrittenCount);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The request as generated objects, field by field as the producer fills them.</summary>
    private static SendMessageRequest Expected(Message[] messages, string[] ids, MessageType type, int queueId, string ns, string host, DateTimeOffset born)
    {
        var request = new SendMessageRequest();
        var bornTime = Timestamp.FromDateTimeOffset(born);
        for (int i = 0; i < messages.Length; i++)
        {
            var message = messages[i];
            var system = new SystemProperties
            {
                MessageId = ids[i],
                BodyEncoding = Apache.Rocketmq.V2.Encoding.Identity,
                MessageType = type,
                BornTimestamp = bornTime,
                BornHost = host,
                QueueId = queueId,
            };
            if (message.Tag is { } tag)
            {
                system.Tag = tag;
            }

            system.Keys.AddRange(message.Keys);
            if (message.MessageGroup is { } group)
            {
                system.MessageGroup = group;
            }

            if (message.LiteTopic is { } lite)
            {
                system.LiteTopic = lite;
            }

            if (message.DeliveryTimestamp is { } delivery)
            {
                system.DeliveryTimestamp = Timestamp.FromDateTimeOffset(delivery);
            }

            var proto = new ProtoMessage
            {
                Topic = new Resource { Name = message.Topic, ResourceNamespace = ns },
                SystemProperties = system,
                Body = ByteString.CopyFrom(message.Body.Span),
            };
            foreach (var (key, value) in message.Properties)
            {
                proto.UserProperties[key] = value;
            }

            request.Messages.Add(proto);
        }

        return request;
    }
}
