using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using AgentBus.Broker.Errors;

namespace AgentBus.Broker.Consumption;

/// <summary>What a receipt handle identifies: one delivery of one message of one queue.</summary>
internal readonly record struct ReceiptHandle(string Topic, string? LiteTopic, int QueueId, long Offset, long DeliverySeq, long InvisibleUntil);

/// <summary>
/// Encodes receipt handles as URL-safe base64 of the delivery's coordinates plus a 64-bit tag keyed with a
/// secret drawn at broker start (XXH3 with a random seed), so a forged or altered handle is refused. A valid tag
/// is not enough either: the handle's delivery sequence must match the delivery currently in flight. The secret
/// changes with every start; in-flight state does not survive a restart either, so older handles are rightly
/// invalid. Handles guard against mistakes and stale clients; authentication is the transport's job.
/// </summary>
internal sealed class ReceiptHandleCodec
{
    private const byte Version = 1;
    private const int MacLength = 8;
    private const int MaxPayload = 1 + 4 + 2 + 255 + 2 + 1024 + 8 + 8 + 8 + MacLength;
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    public string Encode(in ReceiptHandle handle)
    {
        int topicBytes = Encoding.UTF8.GetByteCount(handle.Topic);
        int liteBytes = handle.LiteTopic is null ? 0 : Encoding.UTF8.GetByteCount(handle.LiteTopic);
        int length = 1 + 4 + 2 + topicBytes + 2 + liteBytes + 8 + 8 + 8;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length + MacLength);
        try
        {
            var buffer = rented.AsSpan(0, length + MacLength);
            int at = 0;
            buffer[at++] = Version;
            BinaryPrimitives.WriteInt32LittleEndian(buffer[at..], handle.QueueId); at += 4;
            BinaryPrimitives.WriteUInt16LittleEndian(buffer[at..], (ushort)topicBytes); at += 2;
            at += Encoding.UTF8.GetBytes(handle.Topic, buffer[at..]);
            BinaryPrimitives.WriteUInt16LittleEndian(buffer[at..], handle.LiteTopic is null ? ushort.MaxValue : (ushort)liteBytes); at += 2;
            if (handle.LiteTopic is not null)
            {
                at += Encoding.UTF8.GetBytes(handle.LiteTopic, buffer[at..]);
            }

            BinaryPrimitives.WriteInt64LittleEndian(buffer[at..], handle.Offset); at += 8;
            BinaryPrimitives.WriteInt64LittleEndian(buffer[at..], handle.DeliverySeq); at += 8;
            BinaryPrimitives.WriteInt64LittleEndian(buffer[at..], handle.InvisibleUntil); at += 8;
            BinaryPrimitives.WriteUInt64LittleEndian(buffer[at..], XxHash3.HashToUInt64(buffer[..at], _seed));
            return Base64Url.EncodeToString(buffer[..(at + MacLength)]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public ReceiptHandle Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > Base64Url.GetEncodedLength(MaxPayload))
        {
            throw Invalid();
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(text.Length));
        try
        {
            if (!Base64Url.TryDecodeFromChars(text, rented, out int length) || length < 1 + 4 + 2 + 2 + 24 + MacLength)
            {
                throw Invalid();
            }

            var data = rented.AsSpan(0, length - MacLength);
            ulong tag = BinaryPrimitives.ReadUInt64LittleEndian(rented.AsSpan(length - MacLength, MacLength));
            if (tag != XxHash3.HashToUInt64(data, _seed) || data[0] != Version)
            {
                throw Invalid();
            }

            int at = 1;
            int queueId = BinaryPrimitives.ReadInt32LittleEndian(data[at..]); at += 4;
            int topicLength = BinaryPrimitives.ReadUInt16LittleEndian(data[at..]); at += 2;
            string topic = Encoding.UTF8.GetString(data.Slice(at, topicLength)); at += topicLength;
            int liteLength = BinaryPrimitives.ReadUInt16LittleEndian(data[at..]); at += 2;
            string? lite = null;
            if (liteLength != ushort.MaxValue)
            {
                lite = Encoding.UTF8.GetString(data.Slice(at, liteLength));
                at += liteLength;
            }

            long offset = BinaryPrimitives.ReadInt64LittleEndian(data[at..]); at += 8;
            long seq = BinaryPrimitives.ReadInt64LittleEndian(data[at..]); at += 8;
            long until = BinaryPrimitives.ReadInt64LittleEndian(data[at..]);
            return new ReceiptHandle(topic, lite, queueId, offset, seq, until);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or FormatException)
        {
            throw Invalid();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static BrokerException Invalid() =>
        new(BrokerErrorCode.InvalidReceiptHandle, "Receipt handle is malformed or was not issued by this broker.");
}
