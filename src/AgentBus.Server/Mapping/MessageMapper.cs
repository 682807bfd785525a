using System.IO.Compression;
using AgentBus.Broker.Consumption;
using AgentBus.Broker.Messages;
using AgentBus.Protocol.Messages;
using AgentBus.Server.Errors;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace AgentBus.Server.Mapping;

/// <summary>Translates between protocol messages and engine records.</summary>
internal static class MessageMapper
{
    /// <summary>
    /// Builds the engine record of a message a producer sent. Names are stored as given: the resource namespace
    /// is not part of the stored topic name. A GZIP body is stored decompressed and delivered as IDENTITY.
    /// </summary>
    /// <param name="message">The protocol message.</param>
    /// <param name="maxBodySize">Largest body accepted (bounds GZIP decompression).</param>
    /// <returns>The record to store.</returns>
    /// <exception cref="RequestException">A required field is missing or the message type is not supported.</exception>
    public static MessageRecord ToRecord(Message message, int maxBodySize)
    {
        ArgumentNullException.ThrowIfNull(message);
        var system = message.SystemProperties
            ?? throw new RequestException(Code.BadRequest, "A message needs system properties (message id, type).");
        if (system.MessageType == MessageType.Transaction)
        {
            throw new RequestException(Code.Unsupported, "Transactional messages are not supported.");
        }

        var body = system.BodyEncoding == Encoding.Gzip ? Decompress(message.Body, maxBodySize) : message.Body.Memory;
        return new MessageRecord
        {
            Topic = message.Topic?.Name ?? "",
            LiteTopic = system.HasLiteTopic ? system.LiteTopic : null,
            QueueId = system.QueueId,
            MessageId = system.MessageId,
            Tag = system.HasTag ? system.Tag : null,
            Keys = system.Keys.Count == 0 ? [] : [.. system.Keys],
            MessageGroup = system.HasMessageGroup ? system.MessageGroup : null,
            DeliveryTimestamp = system.DeliveryTimestamp is { } delivery ? DeliveryMillis(delivery) : 0,
            BornTimestamp = system.BornTimestamp is { } born ? BornMillis(born) : 0,
            BornHost = system.BornHost,
            // The request's own map, not a copy: the record lives only as long as the send that stores it.
            Properties = message.UserProperties.Count == 0 ? MessageRecordDefaults.NoProperties : message.UserProperties,
            Body = body,
        };
    }

    /// <summary>Builds the protocol message handed to a consumer for one delivery.</summary>
    /// <param name="delivery">The delivery.</param>
    /// <param name="resourceNamespace">Namespace echoed in the topic resource.</param>
    /// <param name="storeHost">This broker's endpoint.</param>
    /// <param name="now">Current time, for the remaining invisible duration.</param>
    /// <param name="crc32Digest">Whether the consumer asked for a CRC32 body digest instead of MD5 (an AgentBus extension).</param>
    /// <returns>The protocol message.</returns>
    public static Message ToProto(Delivery delivery, string resourceNamespace, string storeHost, DateTimeOffset now, bool crc32Digest = false)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var message = ToProto(delivery.Message, resourceNamespace, storeHost, crc32Digest);
        var system = message.SystemProperties;
        system.ReceiptHandle = delivery.ReceiptHandle;
        system.InvisibleDuration = Duration.FromTimeSpan(delivery.InvisibleUntil > now ? delivery.InvisibleUntil - now : TimeSpan.Zero);
        system.DeliveryAttempt = delivery.DeliveryAttempt;
        return message;
    }

    /// <summary>Builds the protocol message of a stored record as it is, without a delivery (a peek): no receipt handle.</summary>
    /// <param name="record">The stored record.</param>
    /// <param name="resourceNamespace">Namespace echoed in the topic resource.</param>
    /// <param name="storeHost">This broker's endpoint.</param>
    /// <param name="crc32Digest">CRC32 instead of MD5 as the body digest.</param>
    /// <returns>The protocol message.</returns>
    public static Message ToProto(MessageRecord record, string resourceNamespace, string storeHost, bool crc32Digest = false)
    {
        ArgumentNullException.ThrowIfNull(record);
        var system = new SystemProperties
        {
            MessageId = record.MessageId,
            BodyDigest = crc32Digest
                ? new Digest { Type = DigestType.Crc32, Checksum = BodyDigest.Crc32Hex(record.Body.Span) }
                : new Digest { Type = DigestType.Md5, Checksum = BodyDigest.Md5Hex(record.Body.Span) },
            BodyEncoding = Encoding.Identity,
            MessageType = TypeOf(record),
            BornTimestamp = FromMillis(record.BornTimestamp),
            BornHost = record.BornHost,
            StoreTimestamp = FromMillis(record.StoreTimestamp),
            StoreHost = storeHost,
            QueueId = record.QueueId,
            QueueOffset = record.QueueOffset,
        };

        if (record.Tag is { } tag)
        {
            system.Tag = tag;
        }

        if (record.Keys.Count > 0)
        {
            system.Keys.AddRange(record.Keys);
        }

        if (record.MessageGroup is { } group)
        {
            system.MessageGroup = group;
        }

        if (record.LiteTopic is { } liteTopic)
        {
            system.LiteTopic = liteTopic;
        }

        if (record.DeliveryTimestamp > 0)
        {
            system.DeliveryTimestamp = FromMillis(record.DeliveryTimestamp);
        }

        var message = new Message
        {
            Topic = new Resource { Name = record.Topic, ResourceNamespace = resourceNamespace },
            SystemProperties = system,
            Body = UnsafeByteOperations.UnsafeWrap(record.Body),
        };
        foreach (var (key, value) in record.Properties)
        {
            message.UserProperties[key] = value;
        }

        return message;
    }

    /// <summary>The message type a stored record has.</summary>
    /// <param name="record">The record.</param>
    /// <returns>Lite, FIFO, delay or normal.</returns>
    public static MessageType TypeOf(MessageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return MessageTypes.Of(record.LiteTopic is not null, record.MessageGroup is not null, record.DeliveryTimestamp > 0);
    }

    /// <summary>
    /// A born timestamp in milliseconds; BAD_REQUEST unless it is a valid Timestamp (0001..9999, nanos normalized).
    /// Stored as it came, such a timestamp would be delivered as an invalid Timestamp that consumers cannot decode.
    /// </summary>
    private static long BornMillis(Timestamp timestamp) => IsValid(timestamp)
        ? ToMillis(timestamp)
        : throw new RequestException(Code.BadRequest, $"born_timestamp ({timestamp.Seconds} s, {timestamp.Nanos} ns) is not a valid timestamp.");

    /// <summary>A delivery timestamp in milliseconds; ILLEGAL_DELIVERY_TIME unless it is a valid Timestamp not before 1970.</summary>
    private static long DeliveryMillis(Timestamp timestamp) => IsValid(timestamp) && timestamp.Seconds >= 0
        ? ToMillis(timestamp)
        : throw new RequestException(Code.IllegalDeliveryTime, $"delivery_timestamp ({timestamp.Seconds} s, {timestamp.Nanos} ns) is not a valid time.");

    private static bool IsValid(Timestamp timestamp) => ProtocolTime.IsValid(timestamp.Seconds, timestamp.Nanos);

    private static long ToMillis(Timestamp timestamp) => ProtocolTime.ToUnixMilliseconds(timestamp.Seconds, timestamp.Nanos);

    /// <summary>The Timestamp of a stored time (see <see cref="ProtocolTime.FromUnixMilliseconds"/>), so every delivered Timestamp decodes.</summary>
    internal static Timestamp FromMillis(long millis)
    {
        var (seconds, nanos) = ProtocolTime.FromUnixMilliseconds(millis);
        return new Timestamp { Seconds = seconds, Nanos = nanos };
    }

    private static ReadOnlyMemory<byte> Decompress(ByteString body, int maxBodySize)
    {
        // A GZIP member is at least a 10-byte header and an 8-byte trailer, and starts with 1F 8B.
        var span = body.Span;
        if (span.Length < 18 || span[0] != 0x1F || span[1] != 0x8B)
        {
            throw new RequestException(Code.MessageCorrupted, "The message body is marked GZIP but is not GZIP data.");
        }

        try
        {
            using var input = new GZipStream(new MemoryStream(body.ToByteArray(), writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, read);
                if (output.Length > maxBodySize)
                {
                    throw new RequestException(Code.MessageBodyTooLarge, $"Decompressed message body exceeds the limit of {maxBodySize} bytes.");
                }
            }

            // The trailer ends with the uncompressed size modulo 2^32: a truncated body does not match it.
            uint expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]);
            if ((uint)output.Length != expected)
            {
                throw new RequestException(Code.MessageCorrupted, "The GZIP message body is truncated.");
            }

            return output.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new RequestException(Code.MessageCorrupted, $"GZIP message body cannot be decompressed: {ex.Message}");
        }
    }
}
