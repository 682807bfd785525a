using System.Buffers.Binary;
using System.Buffers.Text;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Consumption;

/// <summary>
/// What a receipt handle identifies: one delivery of one message of one queue. <see cref="Queue"/> is null when the
/// handle is genuine but its queue no longer exists (a lite topic that expired, a deleted topic).
/// </summary>
internal readonly record struct ReceiptHandle(ConsumeQueue? Queue, long Offset, long DeliverySeq);

/// <summary>
/// Encodes receipt handles as URL-safe base64 of the delivery's coordinates plus a 64-bit tag keyed with a
/// secret drawn at broker start (XXH3 with a random seed), so a forged or altered handle is refused. A valid tag
/// is not enough either: the handle's delivery sequence must match the delivery currently in flight. The secret
/// changes with every start; in-flight state does not survive a restart either, so older handles are rightly
/// invalid. Handles guard against mistakes and stale clients; authentication is the transport's job.
/// </summary>
/// <remarks>
/// Every delivery makes one and every settlement reads one back (and a push consumer's handle is a renewal key and
/// is echoed in the ack's answer), so the layout is kept short: version, flags, the queue's names with varint
/// lengths (a normal topic's queue id as a varint too), offset and delivery sequence as varints, then the tag —
/// about 60 characters for a lite topic of 30. Decoding finds the queue by the names without making strings of them.
/// </remarks>
internal sealed class ReceiptHandleCodec
{
    private const byte Version = 2;
    private const byte LiteFlag = 1;
    private const int MacLength = 8;
    private const int MaxVarint = 10;

    // Version, flags, queue id, both names (UTF-8, at most 4 bytes a character) with their lengths, offset, sequence, tag.
    private const int MaxPayload = 1 + 1 + 5 + 2 + (4 * NameRules.MaxTopicLength) + 2 + (4 * 1024) + MaxVarint + MaxVarint + MacLength;

    // Handles of names up to ~200 bytes are made and read on the stack; longer ones (never with the default limits) on the heap.
    private const int StackBytes = 256;

    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    /// <summary>The handle of delivery <paramref name="deliverySeq"/> of the message at <paramref name="offset"/> of <paramref name="queue"/>.</summary>
    public string Encode(ConsumeQueue queue, long offset, long deliverySeq)
    {
        int needed = 1 + 1 + 5 + 2 + Encoding.UTF8.GetMaxByteCount(queue.Topic.Length) + 2
            + Encoding.UTF8.GetMaxByteCount(queue.LiteTopic?.Length ?? 0) + MaxVarint + MaxVarint + MacLength;
        Span<byte> buffer = needed <= StackBytes ? stackalloc byte[StackBytes] : new byte[needed];
        int at = 0;
        buffer[at++] = Version;
        buffer[at++] = queue.IsLite ? LiteFlag : (byte)0;
        if (!queue.IsLite)
        {
            at += WriteVarint(buffer[at..], (uint)queue.QueueId);
        }

        at += WriteName(buffer[at..], queue.Topic);
        if (queue.LiteTopic is { } lite)
        {
            at += WriteName(buffer[at..], lite);
        }

        at += WriteVarint(buffer[at..], (ulong)offset);
        at += WriteVarint(buffer[at..], (ulong)deliverySeq);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[at..], XxHash3.HashToUInt64(buffer[..at], _seed));
        return Base64Url.EncodeToString(buffer[..(at + MacLength)]);
    }

    /// <summary>Reads a handle this broker issued and finds its queue in <paramref name="queues"/>.</summary>
    /// <exception cref="BrokerException">The handle is malformed or was not issued by this broker (<see cref="BrokerErrorCode.InvalidReceiptHandle"/>).</exception>
    public ReceiptHandle Decode(string? text, QueueTable queues)
    {
        if (string.IsNullOrEmpty(text) || text.Length > Base64Url.GetEncodedLength(MaxPayload))
        {
            throw Invalid();
        }

        int max = Base64Url.GetMaxDecodedLength(text.Length);
        Span<byte> buffer = max <= StackBytes ? stackalloc byte[StackBytes] : new byte[max];
        if (!TryDecodeBase64(text, buffer, out int length) || length < 2 + 1 + 1 + 1 + MacLength)
        {
            throw Invalid();
        }

        var data = buffer[..(length - MacLength)];
        if (BinaryPrimitives.ReadUInt64LittleEndian(buffer[(length - MacLength)..]) != XxHash3.HashToUInt64(data, _seed) || data[0] != Version)
        {
            throw Invalid();
        }

        // The tag is ours, so the layout is what Encode wrote; the reads are still bounds-checked.
        try
        {
            bool lite = (data[1] & LiteFlag) != 0;
            int at = 2;
            uint queueId = lite ? 0 : (uint)ReadVarint(data, ref at);
            var topicBytes = ReadName(data, ref at);
            var liteBytes = lite ? ReadName(data, ref at) : default;
            long offset = (long)ReadVarint(data, ref at);
            long seq = (long)ReadVarint(data, ref at);

            int nameBytes = topicBytes.Length + liteBytes.Length;
            Span<char> names = nameBytes <= StackBytes ? stackalloc char[StackBytes] : new char[nameBytes];
            int topicChars = Encoding.UTF8.GetChars(topicBytes, names);
            int liteChars = Encoding.UTF8.GetChars(liteBytes, names[topicChars..]);
            var queue = lite
                ? queues.FindLite(names[..topicChars], names.Slice(topicChars, liteChars))
                : queues.FindNormal(names[..topicChars], queueId);
            return new ReceiptHandle(queue, offset, seq);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException)
        {
            throw Invalid();
        }
    }

    private static bool TryDecodeBase64(string text, Span<byte> buffer, out int length)
    {
        try
        {
            return Base64Url.TryDecodeFromChars(text, buffer, out length);
        }
        catch (FormatException)
        {
            length = 0;
            return false; // a character outside the alphabet
        }
    }

    private static int WriteName(Span<byte> buffer, string name)
    {
        int bytes = Encoding.UTF8.GetBytes(name, buffer[2..]);
        int prefix = WriteVarint(buffer, (uint)bytes);
        if (prefix == 1)
        {
            buffer.Slice(2, bytes).CopyTo(buffer[1..]); // the common case: a name under 128 bytes, one length byte
        }

        return prefix + bytes;
    }

    private static ReadOnlySpan<byte> ReadName(ReadOnlySpan<byte> data, ref int at)
    {
        ulong length = ReadVarint(data, ref at);
        if (length > (ulong)(data.Length - at))
        {
            throw new ArgumentOutOfRangeException(nameof(data));
        }

        var name = data.Slice(at, (int)length);
        at += (int)length;
        return name;
    }

    private static int WriteVarint(Span<byte> buffer, ulong value)
    {
        int at = 0;
        while (value >= 0x80)
        {
            buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[at++] = (byte)value;
        return at;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = data[at++]; // past the end: IndexOutOfRangeException, see Decode
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(data));
    }

    private static BrokerException Invalid() =>
        new(BrokerErrorCode.InvalidReceiptHandle, "Receipt handle is malformed or was not issued by this broker.");
}
