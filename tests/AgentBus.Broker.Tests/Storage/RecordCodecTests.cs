using System.Buffers.Binary;
using System.IO.Hashing;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Storage;
using CsCheck;

namespace AgentBus.Broker.Tests.Storage;

public sealed class RecordCodecTests
{
    private static byte[] Encode(MessageRecord record, long queueOffset = 7, long storeTimestamp = 9)
    {
        var buffer = new byte[RecordEncoder.Measure(record, int.MaxValue)];
        RecordEncoder.Write(buffer, record, queueOffset, storeTimestamp);
        return buffer;
    }

    [Fact]
    public void MinimalRecordHasTheDocumentedMinimumSize()
    {
        var bytes = Encode(new MessageRecord { Topic = "", MessageId = "" });
        Assert.Equal(RecordLayout.MinRecordSize, bytes.Length);
        Assert.Equal(FrameStatus.Valid, RecordDecoder.Check(bytes, out var size));
        Assert.Equal(bytes.Length, size);
    }

    [Fact]
    public void HeaderFieldsSitAtTheDocumentedOffsets()
    {
        var bytes = Encode(new MessageRecord { Topic = "t", LiteTopic = "lt", MessageId = "m", QueueId = 3 }, queueOffset: 42, storeTimestamp: 1234);
        Assert.Equal(bytes.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        Assert.Equal(Crc32.HashToUInt32(bytes.AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(RecordLayout.Magic, bytes[8]);
        Assert.Equal(RecordLayout.FlagLiteTopic, bytes[9]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(10)));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(42, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(1234, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(32)));
        Assert.Equal("tlt"u8.ToArray(), bytes.AsSpan(56, 3).ToArray());
    }

    [Fact]
    public void NullAndOversizedInputIsRefusedWithBrokerCodes()
    {
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(null, 1024)).Code);
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = null!, MessageId = "m" }, 1024)).Code);
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = "t", MessageId = null! }, 1024)).Code);
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = "t", MessageId = "m", Keys = ["a", null!] }, 1024)).Code);
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = "t", MessageId = "m", Keys = null! }, 1024)).Code);
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = "t", MessageId = "m", BornHost = null! }, 1024)).Code);
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = "t", MessageId = "m", Properties = new Dictionary<string, string> { ["k"] = null! } }, 1024)).Code);
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = new string('t', 70_000), MessageId = "m" }, int.MaxValue)).Code);
        // 30 000 three-byte characters: short in chars, too long in UTF-8 bytes.
        Assert.Equal(BrokerErrorCode.BadRequest, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = new string('€', 30_000), MessageId = "m" }, int.MaxValue)).Code);
        Assert.Equal(BrokerErrorCode.MessageBodyTooLarge, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[1024] }, 1024)).Code);
        Assert.Equal(BrokerErrorCode.MessageBodyTooLarge, Assert.Throws<BrokerException>(() => RecordEncoder.Measure(new MessageRecord { Topic = "t", MessageId = "m", Properties = new Dictionary<string, string> { ["k"] = new string('v', 2000) } }, 1024)).Code);
    }

    [Fact]
    public void PaddingIsRecognisedOnlyWhenItFillsTheRest()
    {
        var rest = new byte[100];
        RecordEncoder.WritePadding(rest);
        Assert.Equal(FrameStatus.Padding, RecordDecoder.Check(rest, out _));
        Assert.NotEqual(FrameStatus.Padding, RecordDecoder.Check(rest.AsSpan(0, 99), out _));
        Assert.Equal(FrameStatus.SegmentFull, RecordDecoder.Check(rest.AsSpan(0, 7), out _));
        Assert.Equal(FrameStatus.Empty, RecordDecoder.Check(new byte[100], out _));
    }

    [Fact]
    public void ARecordWhoseCrcEqualsThePaddingMarkerIsStillARecord()
    {
        // A record that fills the rest of a segment exactly and whose CRC happens to equal the padding marker must
        // still be read as a record. Force that CRC by solving for the last four body bytes (CRC-32 is affine).
        var bytes = Encode(new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[16] });
        ForceCrc(bytes, bytes.Length - 4, RecordLayout.PaddingMarker);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Crc32.HashToUInt32(bytes.AsSpan(8)));
        Assert.Equal(RecordLayout.PaddingMarker, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(FrameStatus.Valid, RecordDecoder.Check(bytes, out var size));
        Assert.Equal(bytes.Length, size);

        // The same bytes with a damaged body are no longer a record, and then the marker makes them padding.
        bytes[^8] ^= 1;
        Assert.Equal(FrameStatus.Padding, RecordDecoder.Check(bytes, out _));
    }

    /// <summary>Sets bytes[at..at+4] so that CRC-32 of bytes[8..] equals <paramref name="target"/> (Gaussian elimination over GF(2)).</summary>
    private static void ForceCrc(byte[] bytes, int at, uint target)
    {
        uint CrcWith(uint x)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), x);
            return Crc32.HashToUInt32(bytes.AsSpan(8));
        }

        var zero = CrcWith(0);
        // Each row: the CRC change caused by one bit of x (low 32 bits) and which bits of x produce it (high 32 bits).
        var rows = new ulong[32];
        for (var bit = 0; bit < 32; bit++)
        {
            rows[bit] = (CrcWith(1u << bit) ^ zero) | (1UL << (32 + bit));
        }

        var want = target ^ zero;
        var solution = 0u;
        for (var column = 0; column < 32; column++)
        {
            var pivot = Array.FindIndex(rows, column, r => (r & (1UL << column)) != 0);
            Assert.True(pivot >= 0);
            (rows[column], rows[pivot]) = (rows[pivot], rows[column]);
            for (var r = 0; r < 32; r++)
            {
                if (r != column && (rows[r] & (1UL << column)) != 0)
                {
                    rows[r] ^= rows[column];
                }
            }
        }

        for (var column = 0; column < 32; column++)
        {
            if ((want & (1u << column)) != 0)
            {
                solution ^= (uint)(rows[column] >> 32);
            }
        }

        Assert.Equal(target, CrcWith(solution));
    }

    /// <summary>
    /// Damaged records with a recomputed, matching CRC exercise the structural checks: decoding must reject them or
    /// return a record, and never throw or read out of range.
    /// </summary>
    [Fact]
    public void StructurallyDamagedRecordsWithValidCrcNeverCrashTheDecoder()
    {
        var gen = Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 6], Gen.Int[0, 3]);
        Check.Sample(gen, (seed, flips, mode) =>
        {
            var random = new Random(seed);
            var bytes = Encode(TestRecords.Create(random, seed, bodySize: random.Next(0, 64)));
            for (var i = 0; i < flips; i++)
            {
                // Mostly hit the length fields of the fixed part and the variable part, where decoding is most fragile.
                var at = mode switch
                {
                    0 => random.Next(9, RecordLayout.FixedSize),
                    1 => random.Next(RecordLayout.FixedSize, bytes.Length),
                    _ => random.Next(9, bytes.Length),
                };
                bytes[at] ^= (byte)random.Next(1, 256);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Crc32.HashToUInt32(bytes.AsSpan(8)));
            var status = RecordDecoder.Check(bytes, out var size);
            Assert.True(status is FrameStatus.Valid or FrameStatus.Malformed or FrameStatus.BadMagic, status.ToString());
            if (status == FrameStatus.Valid)
            {
                var record = RecordDecoder.Decode(bytes.AsSpan(0, size));
                Assert.NotNull(record.Topic);
                _ = RecordDecoder.ReadHeader(bytes.AsSpan(0, size), 0, new Utf8StringCache());
            }
        }, iter: 20_000, threads: 1);
    }

    [Fact]
    public void ALengthFieldLargerThanTheAvailableBytesIsRejectedWithoutReading()
    {
        var bytes = Encode(new MessageRecord { Topic = "t", MessageId = "m", Body = new byte[10] });
        BinaryPrimitives.WriteInt32LittleEndian(bytes, int.MaxValue);
        Assert.Equal(FrameStatus.InvalidLength, RecordDecoder.Check(bytes, out _));
        BinaryPrimitives.WriteInt32LittleEndian(bytes, -5);
        Assert.Equal(FrameStatus.InvalidLength, RecordDecoder.Check(bytes, out _));
        BinaryPrimitives.WriteInt32LittleEndian(bytes, RecordLayout.MinRecordSize - 1);
        Assert.Equal(FrameStatus.InvalidLength, RecordDecoder.Check(bytes, out _));
    }

    [Fact]
    public void StringCacheSharesEqualStrings()
    {
        var cache = new Utf8StringCache();
        var a = cache.Get("agentbus"u8);
        var b = cache.Get("agentbus"u8);
        Assert.Same(a, b);
        Assert.Equal("ünï", cache.Get("ünï"u8));
        Assert.Same(string.Empty, cache.Get([]));
        var longValue = new string('x', 300);
        Assert.Equal(longValue, cache.Get(System.Text.Encoding.UTF8.GetBytes(longValue)));
    }

    [Fact]
    public void RecordsReadBackShareTheirRepeatedNamesButNotTheirOwnFields()
    {
        var first = RecordDecoder.Decode(Encode(new MessageRecord { Topic = "agents", LiteTopic = "inbox|svc", MessageId = "m1", BornHost = "host-a" }));
        var second = RecordDecoder.Decode(Encode(new MessageRecord { Topic = "agents", LiteTopic = "inbox|svc", MessageId = "m2", BornHost = "host-a" }));

        Assert.Equal(("agents", "inbox|svc", "host-a"), (second.Topic, second.LiteTopic, second.BornHost));
        Assert.Same(first.Topic, second.Topic);
        Assert.Same(first.LiteTopic, second.LiteTopic);
        Assert.Same(first.BornHost, second.BornHost);
        Assert.Equal(("m1", "m2"), (first.MessageId, second.MessageId));

        var unicode = RecordDecoder.Decode(Encode(new MessageRecord { Topic = "ünï", LiteTopic = new string('l', 200), MessageId = "m" }));
        Assert.Equal(("ünï", new string('l', 200)), (unicode.Topic, unicode.LiteTopic));
        Assert.Same(string.Empty, unicode.BornHost);
    }
}
