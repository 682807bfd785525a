using System.IO.Compression;
using AgentBus.Client.Messages;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using ProtoMessage = Apache.Rocketmq.V2.Message;

namespace AgentBus.Client.Tests;

/// <summary>
/// The receive path decodes responses itself; these tests hold it to what Google.Protobuf's parser followed by
/// <c>MessageView.From</c> makes of the same bytes, field by field, for arbitrary messages.
/// </summary>
public sealed class ReceiveResponseDecoderTests
{
    private static readonly AccessPoint Endpoint = AccessPoint.Parse("127.0.0.1:8081");

    private static readonly Gen<string> AnyText = Gen.String[Gen.Char, 0, 40];

    private static readonly Gen<string?> MaybeText = Gen.Bool.SelectMany(present => present ? AnyText.Select(t => (string?)t) : Gen.Const((string?)null));

    private static readonly Gen<Timestamp?> AnyTime = Gen.OneOf(
        Gen.Const((Timestamp?)null),
        Gen.Select(Gen.Long[-62_135_596_800, 253_402_300_799], Gen.Int[0, 999_999_999], (s, n) => (Timestamp?)new Timestamp { Seconds = s, Nanos = n }),
        // Invalid ones: the view reports them and reads them as unset.
        Gen.Select(Gen.Long, Gen.Int, (s, n) => (Timestamp?)new Timestamp { Seconds = s, Nanos = n }));

    private static readonly Gen<ProtoMessage> AnyMessage =
        Gen.Select(AnyText, Gen.Dictionary(AnyText, AnyText)[0, 12], Gen.Byte.Array[0, 300], AnySystem(), (topic, properties, body, system) =>
        {
            var (props, digestMode, gzip) = system;
            byte[] sent = gzip == 1 ? Gzip(body) : body;
            var message = new ProtoMessage
            {
                Topic = new Resource { Name = topic, ResourceNamespace = "ns" },
                SystemProperties = props,
                Body = ByteString.CopyFrom(sent),
            };
            message.UserProperties.Add(properties);
            props.BodyEncoding = gzip == 0 ? Apache.Rocketmq.V2.Encoding.Identity : Apache.Rocketmq.V2.Encoding.Gzip;
            props.BodyDigest = digestMode switch
            {
                0 => null,
                1 => new Digest { Type = DigestType.Crc32, Checksum = System.IO.Hashing.Crc32.HashToUInt32(sent).ToString("X8") },
                2 => new Digest { Type = DigestType.Crc32, Checksum = System.IO.Hashing.Crc32.HashToUInt32(sent).ToString() },
#pragma warning disable CA5350, CA5351 // the protocol's transport checksums
                3 => new Digest { Type = DigestType.Md5, Checksum = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(sent)) },
                4 => new Digest { Type = DigestType.Sha1, Checksum = Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(sent)) },
#pragma warning restore CA5350, CA5351
                5 => new Digest { Type = DigestType.Md5, Checksum = "00112233445566778899AABBCCDDEEFF" },
                _ => new Digest { Type = DigestType.Crc32, Checksum = "not a crc" },
            };
            return message;
        });

    [Fact]
    public void Any_delivered_message_decodes_to_the_view_google_protobuf_gives()
    {
        AnyMessage.Sample(message =>
        {
            byte[] wire = new ReceiveMessageResponse { Message = message }.ToByteArray();
            var expected = MessageView.From(ReceiveMessageResponse.Parser.ParseFrom(wire).Message, queue: null, Endpoint);
            var actual = Assert.IsType<MessageView>(ReceiveResponseDecoder.Decode(wire)).Received(queue: null, Endpoint);
            AssertSame(expected, actual);
        }, iter: 2000);
    }

    [Fact]
    public void A_length_is_read_as_protobuf_reads_it_from_its_low_32_bits()
    {
        var message = new ProtoMessage
        {
            Topic = new Resource { Name = "parent" },
            SystemProperties = new SystemProperties { MessageId = "m1", ReceiptHandle = "rh" },
        };
        // A length-delimited field 15 (a Duration) or 99 (unknown) ending the system properties, its length a long
        // varint: low 32 bits 0 is an empty field to protobuf; 1 runs past the end; bit 31 set is a negative size.
        foreach (var (length, accepted) in new[] { (1UL << 63, true), (1UL << 32, true), ((1UL << 32) | 1, false), (1UL << 31, false) })
        {
            foreach (byte field in new byte[] { 15, 99 })
            {
                byte[] extra = Concat(Varint(((ulong)field << 3) | 2), Varint(length));
                var copy = message.Clone();
                byte[] system = Concat(copy.SystemProperties.ToByteArray(), extra);
                copy.SystemProperties = null;
                byte[] wire = Field(2, Concat(copy.ToByteArray(), Field(3, system)));

                bool protobufAccepts;
                try
                {
                    ReceiveMessageResponse.Parser.ParseFrom(wire);
                    protobufAccepts = true;
                }
                catch (InvalidProtocolBufferException)
                {
                    protobufAccepts = false;
                }

                Assert.Equal(accepted, protobufAccepts);
                if (accepted)
                {
                    Assert.Equal("m1", Assert.IsType<MessageView>(ReceiveResponseDecoder.Decode(wire)).MessageId);
                }
                else
                {
                    Assert.Throws<InvalidDataException>(() => ReceiveResponseDecoder.Decode(wire));
                }
            }
        }
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        for (; value >= 0x80; value >>= 7)
        {
            bytes.Add((byte)(value | 0x80));
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }

    [Fact]
    public void Unknown_fields_at_every_level_are_skipped()
    {
        var message = new ProtoMessage
        {
            Topic = new Resource { Name = "parent" },
            SystemProperties = new SystemProperties { MessageId = "m1", ReceiptHandle = "rh", LiteTopic = "lite", DeliveryAttempt = 3 },
            Body = ByteString.CopyFromUtf8("hello"),
        };
        message.UserProperties["k"] = "v";
        // Fields of a newer protocol version: appended, since protobuf messages concatenate (merge).
        byte[] system = Concat(message.SystemProperties.ToByteArray(), UnknownFields());
        message.SystemProperties = null;
        byte[] inner = Concat(message.ToByteArray(), Field(3, system), UnknownFields());
        byte[] wire = Concat(Field(2, inner), UnknownFields());

        var view = Assert.IsType<MessageView>(ReceiveResponseDecoder.Decode(wire));
        Assert.Equal("m1", view.MessageId);
        Assert.Equal("rh", view.ReceiptHandle);
        Assert.Equal("lite", view.LiteTopic);
        Assert.Equal(3, view.DeliveryAttempt);
        Assert.Equal("parent", view.Topic);
        Assert.Equal("v", view.Properties["k"]);
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(view.Body.Span));
    }

    [Fact]
    public void A_status_decodes_to_the_status_and_a_delivery_timestamp_is_ignored()
    {
        var status = Assert.IsType<Apache.Rocketmq.V2.Status>(ReceiveResponseDecoder.Decode(
            new ReceiveMessageResponse { Status = new Apache.Rocketmq.V2.Status { Code = Code.MessageNotFound, Message = "none" } }.ToByteArray()));
        Assert.Equal(Code.MessageNotFound, status.Code);
        Assert.Equal("none", status.Message);

        Assert.Same(ReceiveResponseDecoder.Ignored, ReceiveResponseDecoder.Decode(
            new ReceiveMessageResponse { DeliveryTimestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch) }.ToByteArray()));
        Assert.Same(ReceiveResponseDecoder.Ignored, ReceiveResponseDecoder.Decode(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Malformed_bytes_fail_with_InvalidDataException_where_google_protobuf_fails()
    {
        // Any prefix of a valid response, and any single corrupted byte: either both decoders accept it or ours throws
        // InvalidDataException (never an index error, never a hang).
        Gen.Select(AnyMessage, Gen.Int[0, 1000], Gen.Byte, (m, cut, b) => (m, cut, b)).Sample(x =>
        {
            byte[] wire = new ReceiveMessageResponse { Message = x.m }.ToByteArray();
            foreach (byte[] bad in new[] { wire[..(x.cut % (wire.Length + 1))], Corrupt(wire, x.cut, x.b) })
            {
                bool protobufAccepts;
                try
                {
                    ReceiveMessageResponse.Parser.ParseFrom(bad);
                    protobufAccepts = true;
                }
                catch (InvalidProtocolBufferException)
                {
                    protobufAccepts = false;
                }

                try
                {
                    ReceiveResponseDecoder.Decode(bad);
                }
                catch (InvalidDataException) when (!protobufAccepts)
                {
                }
            }
        }, iter: 1000);
    }

    private static void AssertSame(MessageView expected, MessageView actual)
    {
        Assert.Equal(expected.MessageId, actual.MessageId);
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.LiteTopic, actual.LiteTopic);
        Assert.Equal(expected.Tag, actual.Tag);
        Assert.Equal(expected.Keys, actual.Keys);
        Assert.Equal(expected.MessageGroup, actual.MessageGroup);
        Assert.Equal(expected.DeliveryTimestamp, actual.DeliveryTimestamp);
        Assert.Equal(expected.BornHost, actual.BornHost);
        Assert.Equal(expected.BornTimestamp, actual.BornTimestamp);
        Assert.Equal(expected.DeliveryAttempt, actual.DeliveryAttempt);
        Assert.Equal(expected.Offset, actual.Offset);
        Assert.Equal(expected.QueueId, actual.QueueId);
        Assert.Equal(expected.Properties.OrderBy(p => p.Key, StringComparer.Ordinal), actual.Properties.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        Assert.Equal(expected.Corrupted, actual.Corrupted);
        Assert.Equal(expected.ReceiptHandle, actual.ReceiptHandle);
        Assert.Equal(expected.DecodeProblem, actual.DecodeProblem);
        Assert.Same(expected.Endpoint, actual.Endpoint);
    }

    private static Gen<(SystemProperties Properties, int DigestMode, int Gzip)> AnySystem() =>
        Gen.Select(AnyText, AnyText, AnyText, Gen.Int, Gen.Long, Gen.Int.Nullable(), AnyTime, AnyTime)
            .Select(Gen.Select(MaybeText, MaybeText, MaybeText, AnyText.Array[0, 3]), Gen.Int[0, 6], Gen.Int[0, 2],
                (a, b, digest, gzip) =>
                {
                    var (id, host, handle, queue, offset, attempt, born, delivery) = a;
                    var (tag, group, lite, keys) = b;
                    var system = new SystemProperties { MessageId = id, BornHost = host, ReceiptHandle = handle, QueueId = queue, QueueOffset = offset };
                    if (attempt is { } n)
                    {
                        system.DeliveryAttempt = n;
                    }

                    if (tag is not null)
                    {
                        system.Tag = tag;
                    }

                    if (group is not null)
                    {
                        system.MessageGroup = group;
                    }

                    if (lite is not null)
                    {
                        system.LiteTopic = lite;
                    }

                    system.Keys.AddRange(keys);
                    system.BornTimestamp = born;
                    system.DeliveryTimestamp = delivery;
                    system.StoreHost = "skipped";
                    system.InvisibleDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(30));
                    return (system, digest, gzip);
                });

    private static byte[] Gzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var zip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(body);
        }

        return output.ToArray();
    }

    private static byte[] Corrupt(byte[] wire, int at, byte value)
    {
        byte[] copy = (byte[])wire.Clone();
        if (copy.Length > 0)
        {
            copy[at % copy.Length] = value;
        }

        return copy;
    }

    private static byte[] UnknownFields()
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(90, WireFormat.WireType.Varint);
        output.WriteInt64(-5);
        output.WriteTag(91, WireFormat.WireType.LengthDelimited);
        output.WriteString("from the future");
        output.WriteTag(92, WireFormat.WireType.Fixed32);
        output.WriteFixed32(7);
        output.WriteTag(93, WireFormat.WireType.Fixed64);
        output.WriteFixed64(9);
        output.WriteTag(94, WireFormat.WireType.StartGroup);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt32(1);
        output.WriteTag(94, WireFormat.WireType.EndGroup);
        output.Flush();
        return stream.ToArray();
    }

    private static byte[] Field(int number, byte[] value)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
        output.Flush();
        return stream.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
