using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using AgentBus.Protocol.Stream;
using AgentBus.Server.Mapping;
using Apache.Rocketmq.V2;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Encoding = Apache.Rocketmq.V2.Encoding;

namespace AgentBus.Server.Tests;

/// <summary>
/// The broker decodes the message stream's sends itself (<see cref="IncomingFrame"/>); these tests hold each record it
/// builds to the one <see cref="MessageMapper.ToRecord"/> builds from Google.Protobuf's parse of the same bytes — field
/// for field and in the bytes the commit log stores — and check that what the decoder does not take exactly that way
/// is left to Google.Protobuf.
/// </summary>
public sealed class IncomingFrameTests
{
    // Whole code points (an emoji is a surrogate pair), so every string has a UTF-8 form both sides agree on.
    private static readonly string[] Pieces = ["a", "Z", "0", "-", " ", "é", "中", "😀", "agentbus-dedupe-key", "\u0000"];

    private static readonly Gen<string> AnyText = Gen.Int[0, Pieces.Length - 1].Select(i => Pieces[i]).Array[0, 8].Select(string.Concat);

    private static readonly Gen<string?> MaybeText = Gen.Bool.SelectMany(present => present ? AnyText.Select(t => (string?)t) : Gen.Const((string?)null));

    private static readonly Gen<Timestamp?> MaybeTimestamp = Gen.Bool.SelectMany(present => present
        ? Gen.Select(Gen.Long[0, 253_402_300_799], Gen.Int[0, 999_999_999]).Select(t => (Timestamp?)new Timestamp { Seconds = t.Item1, Nanos = t.Item2 })
        : Gen.Const((Timestamp?)null));

    private static readonly Gen<Message> AnyMessage =
        Gen.Select(AnyText, MaybeText, Gen.Int, AnyText, MaybeText, AnyText.Array[0, 3], MaybeText, AnyText)
            .Select(Gen.Select(MaybeTimestamp, MaybeTimestamp, Gen.Dictionary(AnyText, AnyText)[0, 6], Gen.Byte.Array[0, 600],
                    Gen.Int[0, 3].Select(i => (MessageType)i), Gen.Bool),
                (a, b) =>
                {
                    var (topic, lite, queue, id, tag, keys, group, host) = a;
                    var (born, delivery, properties, body, type, digest) = b;
                    var system = new SystemProperties { MessageId = id, QueueId = queue, BornHost = host, MessageType = type, BodyEncoding = Encoding.Identity };
                    if (lite is not null)
                    {
                        system.LiteTopic = lite;
                    }

                    if (tag is not null)
                    {
                        system.Tag = tag;
                    }

                    if (group is not null)
                    {
                        system.MessageGroup = group;
                    }

                    system.Keys.AddRange(keys);
                    system.BornTimestamp = born;
                    system.DeliveryTimestamp = delivery;
                    if (digest)
                    {
                        // Fields a stored record does not keep are skipped.
                        system.BodyDigest = new Digest { Type = DigestType.Crc32, Checksum = "00000000" };
                        system.TraceContext = "00-trace";
                    }

                    var message = new Message
                    {
                        Topic = new Resource { Name = topic, ResourceNamespace = "ns" },
                        SystemProperties = system,
                        Body = ByteString.CopyFrom(body),
                    };
                    message.UserProperties.Add(properties);
                    return message;
                });

    [Fact]
    public void A_decoded_send_builds_the_records_the_protobuf_parse_builds()
    {
        Gen.Select(AnyMessage.Array[1, 3], Gen.ULong).Sample(x =>
        {
            var (messages, id) = x;
            var frame = new ClientFrame { Id = id, Send = new SendMessageRequest() };
            frame.Send.Messages.Add(messages);
            byte[] wire = frame.ToByteArray();

            var decoded = IncomingFrame.TryDecode(wire);

            Assert.NotNull(decoded);
            Assert.Equal(id, decoded.Id);
            var parsed = ClientFrame.Parser.ParseFrom(wire).Send.Messages.Select(m => MessageMapper.ToRecord(m, int.MaxValue)).ToArray();
            Assert.Equal(parsed.Length, decoded.Send!.Length);
            for (int i = 0; i < parsed.Length; i++)
            {
                AssertSameRecord(parsed[i], decoded.Send[i]);
            }
        }, iter: 2000);
    }

    private static readonly Gen<AckMessageRequest> AnyAck =
        Gen.Select(MaybeText, MaybeText, Gen.Select(AnyText, AnyText, MaybeText).Array[0, 4]).Select(x =>
        {
            var (group, topic, entries) = x;
            var ack = new AckMessageRequest
            {
                Group = group is null ? null : new Resource { Name = group, ResourceNamespace = "ns" },
                Topic = topic is null ? null : new Resource { Name = topic },
            };
            foreach (var (id, handle, lite) in entries)
            {
                var entry = new AckMessageEntry { MessageId = id, ReceiptHandle = handle };
                if (lite is not null)
                {
                    entry.LiteTopic = lite;
                }

                ack.Entries.Add(entry);
            }

            return ack;
        });

    [Fact]
    public void A_decoded_ack_carries_what_the_protobuf_parse_carries()
    {
        Gen.Select(AnyAck, Gen.ULong).Sample(x =>
        {
            var (ack, id) = x;
            byte[] wire = new ClientFrame { Id = id, Ack = ack }.ToByteArray();

            var decoded = IncomingFrame.TryDecode(wire);

            Assert.NotNull(decoded?.Ack);
            Assert.Equal(id, decoded.Id);
            var parsed = ClientFrame.Parser.ParseFrom(wire).Ack;
            Assert.Equal(parsed.Group?.Name, decoded.Ack.Group);
            Assert.Equal(parsed.Topic?.Name ?? "", decoded.Ack.Topic);
            Assert.Equal(parsed.Entries.Select(e => (e.MessageId, e.ReceiptHandle)), decoded.Ack.Entries.Select(e => (e.MessageId, e.ReceiptHandle)));
        }, iter: 1000);
    }

    private static AckMessageRequest AnAck() => new()
    {
        Group = new Resource { Name = "g" },
        Topic = new Resource { Name = "t" },
        Entries = { new AckMessageEntry { MessageId = "m", ReceiptHandle = "h" } },
    };

    [Fact]
    public void An_empty_send_decodes_to_no_records_which_the_broker_refuses()
    {
        var decoded = IncomingFrame.TryDecode(new ClientFrame { Id = 7, Send = new SendMessageRequest() }.ToByteArray());

        Assert.NotNull(decoded);
        Assert.Empty(decoded.Send!);
    }

    public static TheoryData<string> LeftToProtobuf => new()
    {
        "change invisible duration", "no command", "ack group twice", "ack handle not UTF-8", "ack and send", "gzip body", "transactional", "no system properties", "two sends",
        "two born timestamps", "born timestamp out of range", "delivery before 1970", "property value not UTF-8", "message id not UTF-8",
        "too many properties", "truncated", "message id as a varint",
    };

    [Theory]
    [MemberData(nameof(LeftToProtobuf))]
    public void What_the_decoder_does_not_take_exactly_is_left_to_protobuf(string @case)
    {
        byte[] wire = @case switch
        {
            "ack group twice" => [.. new ClientFrame { Id = 1, Ack = AnAck() }.ToByteArray(), .. new ClientFrame { Ack = AnAck() }.ToByteArray()],
            "ack handle not UTF-8" => [(1 << 3) | 0, 1, (3 << 3) | 2, 6, (3 << 3) | 2, 4, (2 << 3) | 2, 2, 0xC3, 0x28],
            "ack and send" => [.. new ClientFrame { Id = 1, Ack = AnAck() }.ToByteArray(), .. Frame(Plain(_ => { }))],
            "change invisible duration" => new ClientFrame { Id = 1, ChangeInvisibleDuration = new ChangeInvisibleDurationRequest() }.ToByteArray(),
            "no command" => new ClientFrame { Id = 1 }.ToByteArray(),
            "gzip body" => Frame(Plain(system => system.BodyEncoding = Encoding.Gzip)),
            "transactional" => Frame(Plain(system => system.MessageType = MessageType.Transaction)),
            "no system properties" => Frame(new Message { Topic = new Resource { Name = "t" }, Body = ByteString.CopyFromUtf8("x") }),
            "two sends" => [.. Frame(Plain(_ => { })), .. Frame(Plain(_ => { }))],
            "two born timestamps" => Frame(Plain(_ => { }), systemSuffix: new SystemProperties { BornTimestamp = new Timestamp { Seconds = 5 } }.ToByteArray()),
            "born timestamp out of range" => Frame(Plain(system => system.BornTimestamp = new Timestamp { Seconds = 253_402_300_800 })),
            "delivery before 1970" => Frame(Plain(system => system.DeliveryTimestamp = new Timestamp { Seconds = -1 })),
            "property value not UTF-8" => Frame(Plain(_ => { }), messageSuffix: Entry("k"u8.ToArray(), [0xC3, 0x28])),
            "message id not UTF-8" => Frame(Plain(_ => { }), systemSuffix: [(3 << 3) | 2, 2, 0xE2, 0x82]),
            "too many properties" => Frame(Many(IncomingFrame.MaxDecodedProperties + 1)),
            "truncated" => Frame(Plain(_ => { }))[..^3],
            "message id as a varint" => Frame(Plain(_ => { }), systemSuffix: [(3 << 3) | 0, 1]),
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };

        Assert.Null(IncomingFrame.TryDecode(wire));
    }

    [Fact]
    public void A_repeated_property_key_is_left_to_protobuf_whose_map_keeps_the_last_value()
    {
        byte[] wire = Frame(Plain(_ => { }), messageSuffix: [.. Entry("k"u8.ToArray(), "1"u8.ToArray()), .. Entry("k"u8.ToArray(), "2"u8.ToArray())]);

        Assert.Null(IncomingFrame.TryDecode(wire));
        Assert.Equal("2", ClientFrame.Parser.ParseFrom(wire).Send.Messages[0].UserProperties["k"]);
    }

    [Fact]
    public void The_most_properties_the_decoder_takes_are_decoded()
    {
        var decoded = IncomingFrame.TryDecode(Frame(Many(IncomingFrame.MaxDecodedProperties)));

        Assert.NotNull(decoded);
        Assert.Equal(IncomingFrame.MaxDecodedProperties, decoded.Send![0].Properties.Count);
    }

    [Fact]
    public void Unknown_fields_are_skipped_at_every_level()
    {
        // Fields 30 (length-delimited) and 31 (varint): two-byte tags.
        byte[] unknown = [0xF2, 0x01, 3, 1, 2, 3, 0xF8, 0x01, 42];
        var message = Plain(_ => { });
        message.UserProperties["k"] = "v";
        byte[] wire = [.. Frame(message, messageSuffix: unknown, systemSuffix: unknown), .. unknown];

        var decoded = IncomingFrame.TryDecode(wire);

        Assert.NotNull(decoded);
        AssertSameRecord(MessageMapper.ToRecord(ClientFrame.Parser.ParseFrom(wire).Send.Messages[0], int.MaxValue), decoded.Send![0]);
    }

    private static void AssertSameRecord(MessageRecord expected, MessageRecord actual)
    {
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.LiteTopic, actual.LiteTopic);
        Assert.Equal(expected.QueueId, actual.QueueId);
        Assert.Equal(expected.MessageId, actual.MessageId);
        Assert.Equal(expected.Tag, actual.Tag);
        Assert.Equal(expected.Keys, actual.Keys);
        Assert.Equal(expected.MessageGroup, actual.MessageGroup);
        Assert.Equal(expected.DeliveryTimestamp, actual.DeliveryTimestamp);
        Assert.Equal(expected.BornTimestamp, actual.BornTimestamp);
        Assert.Equal(expected.BornHost, actual.BornHost);
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        Assert.Equal(expected.PropertyCount, actual.PropertyCount);

        // Stored, both are the same bytes: the stored block is written as it is, the dictionary entry by entry.
        byte[] expectedBytes = Encode(expected), actualBytes = Encode(actual);
        Assert.Equal(expectedBytes, actualBytes);
        foreach (var (key, value) in expected.Properties.Where(p => System.Text.Ascii.IsValid(p.Key)))
        {
            Assert.True(actual.TryGetProperty(key, out string? found));
            Assert.Equal(value, found);
        }

        Assert.Equal(expected.Properties.OrderBy(p => p.Key, StringComparer.Ordinal), actual.Properties.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    private static byte[] Encode(MessageRecord record)
    {
        var bytes = new byte[RecordEncoder.Measure(record, int.MaxValue)];
        RecordEncoder.Write(bytes, record, record.QueueId, queueOffset: 3, storeTimestamp: 4);
        return bytes;
    }

    private static Message Plain(Action<SystemProperties> change)
    {
        var system = new SystemProperties { MessageId = "id", BornHost = "h", BornTimestamp = new Timestamp { Seconds = 1 }, LiteTopic = "l" };
        change(system);
        return new Message { Topic = new Resource { Name = "t" }, SystemProperties = system, Body = ByteString.CopyFromUtf8("body") };
    }

    private static Message Many(int count)
    {
        var message = Plain(_ => { });
        for (int i = 0; i < count; i++)
        {
            message.UserProperties[$"k{i}"] = $"v{i}";
        }

        return message;
    }

    /// <summary>A user_properties entry written by hand (its bytes need not be UTF-8).</summary>
    private static byte[] Entry(byte[] key, byte[] value) =>
        [(2 << 3) | 2, (byte)(4 + key.Length + value.Length), (1 << 3) | 2, (byte)key.Length, .. key, (2 << 3) | 2, (byte)value.Length, .. value];

    /// <summary>A one-message send frame, with raw bytes appended to the message and to its system properties.</summary>
    private static byte[] Frame(Message message, byte[]? messageSuffix = null, byte[]? systemSuffix = null)
    {
        var withoutSystem = message.Clone();
        withoutSystem.SystemProperties = null;
        byte[] system = message.SystemProperties is null ? [] : [.. message.SystemProperties.ToByteArray(), .. systemSuffix ?? []];
        byte[] body = [.. withoutSystem.ToByteArray(), .. message.SystemProperties is null ? [] : Delimited(3, system), .. messageSuffix ?? []];
        byte[] send = Delimited(1, body);
        return [(1 << 3) | 0, 9, .. Delimited(2, send)];
    }

    private static byte[] Delimited(int field, byte[] content)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(content));
        output.Flush();
        return stream.ToArray();
    }
}
