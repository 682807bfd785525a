using AgentBus.Broker.Consumption;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using AgentBus.Server.Mapping;
using Apache.Rocketmq.V2;
using CsCheck;
using Google.Protobuf;

namespace AgentBus.Server.Tests;

/// <summary>
/// The broker writes delivered messages with its own encoder; these tests hold it to the bytes Google.Protobuf writes
/// for the protocol object <c>MessageMapper.ToProto</c> builds, for arbitrary records, so every client — the official
/// ones included — reads exactly what it read before.
/// </summary>
public sealed class DeliveryEncoderTests
{
    private static readonly Gen<string> AnyText = Gen.String[Gen.Char, 0, 30];

    private static readonly Gen<string?> MaybeText = Gen.Bool.SelectMany(present => present ? AnyText.Select(t => (string?)t) : Gen.Const((string?)null));

    // Times from before 0001 to after 9999, where the Timestamp is clamped, and around 1970, where division floors.
    private static readonly Gen<long> AnyMillis = Gen.OneOf(Gen.Long, Gen.Long[-5_000, 5_000], Gen.Long[0, 4_102_444_800_000]);

    private static readonly Gen<MessageRecord> AnyRecord =
        Gen.Select(AnyText, MaybeText, Gen.Int, Gen.Long, AnyText, MaybeText, AnyText.Array[0, 3], MaybeText)
            .Select(Gen.Select(AnyMillis, AnyMillis, AnyText, AnyMillis, Gen.Dictionary(AnyText, AnyText)[0, 5], Gen.Byte.Array[0, 600]),
                (a, b) =>
                {
                    var (topic, lite, queue, offset, id, tag, keys, group) = a;
                    var (delivery, born, host, stored, properties, body) = b;
                    return new MessageRecord
                    {
                        Topic = topic, LiteTopic = lite, QueueId = queue, QueueOffset = offset, MessageId = id, Tag = tag, Keys = keys,
                        MessageGroup = group, DeliveryTimestamp = delivery, BornTimestamp = born, BornHost = host, StoreTimestamp = stored,
                        Properties = properties, Body = body,
                    };
                });

    private static readonly Gen<(Delivery Delivery, DeliveryEncoding Encoding)> AnyDelivery =
        Gen.Select(AnyRecord, AnyText, Gen.Int, Gen.Long[-1_000_000_000, 100_000_000_000], AnyText, AnyText, Gen.Bool)
            .Select(x =>
            {
                var (record, handle, attempt, invisibleTicks, ns, host, crc32) = x;
                var now = new DateTimeOffset(2026, 12, 3, 9, 30, 0, TimeSpan.Zero);
                return (new Delivery(record, handle, attempt, now.AddTicks(invisibleTicks)), new DeliveryEncoding(ns, host, now, crc32));
            });

    [Fact]
    public void A_delivery_is_encoded_byte_for_byte_as_google_protobuf_encodes_the_mapped_message()
    {
        AnyDelivery.Sample(x =>
        {
            var (delivery, encoding) = x;
            byte[] expected = new ReceiveMessageResponse
            {
                Message = MessageMapper.ToProto(delivery, encoding.ResourceNamespace, encoding.StoreHost, encoding.Now, encoding.Crc32Digest),
            }.ToByteArray();

            var size = DeliveryEncoder.Measure(delivery, encoding);
            Assert.Equal(expected.Length, size.Total);
            byte[] actual = new byte[size.Total + 16];
            int written = DeliveryEncoder.Write(delivery, encoding, size, actual);
            Assert.Equal(expected, actual[..written]);
        }, iter: 3000);
    }

    [Fact]
    public void A_record_read_back_from_the_commit_log_encoding_is_encoded_as_the_record_it_was_written_from()
    {
        // Read back, the properties stay in their stored UTF-8 and go out as bytes: the wire must not differ.
        AnyDelivery.Sample(x =>
        {
            var (delivery, encoding) = x;
            var record = delivery.Message;
            var stored = new byte[RecordEncoder.Measure(record, int.MaxValue)];
            RecordEncoder.Write(stored, record, record.QueueId, record.QueueOffset, record.StoreTimestamp);
            var readBack = new Delivery(RecordDecoder.Decode(stored), delivery.ReceiptHandle, delivery.DeliveryAttempt, delivery.InvisibleUntil);
            Assert.Equal(record.Properties.Count, readBack.Message.Stored.Count);

            Assert.Equal(Encode(delivery, encoding), Encode(readBack, encoding));
            Assert.Equal(record.Properties.OrderBy(p => p.Key, StringComparer.Ordinal), readBack.Message.Properties.OrderBy(p => p.Key, StringComparer.Ordinal));
        }, iter: 2000);

        static byte[] Encode(Delivery delivery, DeliveryEncoding encoding)
        {
            var size = DeliveryEncoder.Measure(delivery, encoding);
            byte[] bytes = new byte[size.Total];
            Assert.Equal(size.Total, DeliveryEncoder.Write(delivery, encoding, size, bytes));
            return bytes;
        }
    }

    [Fact]
    public void A_reply_of_a_protocol_response_converts_back_to_it()
    {
        var (delivery, encoding) = AnyDelivery.Single();
        var reply = ReceiveReply.Of(delivery, encoding).ToResponse();
        Assert.Equal(delivery.ReceiptHandle, reply.Message.SystemProperties.ReceiptHandle);
        var status = new ReceiveMessageResponse { Status = new Status { Code = Code.Ok, Message = "OK" } };
        Assert.Same(status, ReceiveReply.Of(status).ToResponse());
    }
}
