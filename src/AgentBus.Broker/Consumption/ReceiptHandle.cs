using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AgentBus.Broker.Errors;

namespace AgentBus.Broker.Consumption;

/// <summary>What a receipt handle identifies: one delivery of one message of one queue.</summary>
internal readonly record struct ReceiptHandle(string Topic, string? LiteTopic, int QueueId, long Offset, long DeliverySeq, long InvisibleUntil);

/// <summary>
/// Encodes receipt handles as URL-safe base64 of the delivery's coordinates plus a truncated HMAC-SHA256, so a
/// forged or altered handle is refused instead of acknowledging someone else's message. The key is random per
/// broker start: in-flight state does not survive a restart either, so older handles are rightly invalid.
/// </summary>
internal sealed class ReceiptHandleCodec
{
    private const byte Version = 1;
    private const int MacLength = 12;
    private const int MaxPayload = 1 + 4 + 2 + 255 + 2 + 1024 + 8 + 8 + 8 + MacLength;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

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
            Span<byte> mac = stackalloc byte[32];
            HMACSHA256.HashData(_key, buffer[..at], mac);
            mac[..MacLength].CopyTo(buffer[at..]);
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
            Span<byte> mac = stackalloc byte[32];
            HMACSHA256.HashData(_key, data, mac);
            if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], rented.AsSpan(length - MacLength, MacLength)) || data[0] != Version)
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
