using System.IO.Compression;
using AgentBus.Client.Transport;
using AgentBus.Protocol.Messages;
using Apache.Rocketmq.V2;
using ProtoMessage = Apache.Rocketmq.V2.Message;

namespace AgentBus.Client.Messages;

/// <summary>A received message: its content, system properties and the handle to settle it with.</summary>
public sealed class MessageView
{
    private static readonly IReadOnlyDictionary<string, string> NoProperties = new Dictionary<string, string>(0);
    private string _receiptHandle;

    private MessageView(ProtoMessage message, MessageQueue? queue, AccessPoint endpoint)
    {
        var system = message.SystemProperties;
        MessageId = system.MessageId;
        Topic = message.Topic?.Name ?? "";
        Tag = system.HasTag ? system.Tag : null;
        Keys = system.Keys; // the parsed message is owned by this view: no copy
        MessageGroup = system.HasMessageGroup ? system.MessageGroup : null;
        LiteTopic = system.HasLiteTopic ? system.LiteTopic : null;
        string? problem = null;
        DeliveryTimestamp = TimeOf(system.DeliveryTimestamp, "delivery_timestamp", ref problem);
        BornHost = system.BornHost;
        BornTimestamp = TimeOf(system.BornTimestamp, "born_timestamp", ref problem) ?? default;
        DeliveryAttempt = system.HasDeliveryAttempt ? system.DeliveryAttempt : 1;
        Offset = system.QueueOffset;
        QueueId = queue?.Id ?? system.QueueId;
        _receiptHandle = system.ReceiptHandle;
        Properties = message.UserProperties.Count == 0 ? NoProperties : message.UserProperties;
        Endpoint = endpoint;
        var body = message.Body.Memory;
        Corrupted = !BodyDigest.Matches(system.BodyDigest, body.Span);
        bool corrupted = false;
        Body = Corrupted ? body : Decode(body, system.BodyEncoding, ref problem, out corrupted);
        Corrupted |= corrupted;
        DecodeProblem = problem;
    }

    /// <summary>A view of a message <see cref="ReceiveResponseDecoder"/> read from the wire; the body is copied out of the payload.</summary>
    internal MessageView(ref DeliveredFields fields)
    {
        MessageId = fields.MessageId;
        Topic = fields.Topic;
        Tag = fields.Tag;
        Keys = (IReadOnlyList<string>?)fields.Keys ?? [];
        MessageGroup = fields.MessageGroup;
        LiteTopic = fields.LiteTopic;
        string? problem = null;
        DeliveryTimestamp = TimeOf(fields.DeliveryTimestamp, "delivery_timestamp", ref problem);
        BornHost = fields.BornHost;
        BornTimestamp = TimeOf(fields.BornTimestamp, "born_timestamp", ref problem) ?? default;
        DeliveryAttempt = fields.DeliveryAttempt ?? 1;
        Offset = fields.QueueOffset;
        QueueId = fields.QueueId;
        _receiptHandle = fields.ReceiptHandle;
        Properties = fields.Properties ?? NoProperties;
        Endpoint = null!; // set by the receive that decoded it (Received), before anyone else sees the view
        Corrupted = fields.HasDigest && !BodyDigest.Matches(fields.DigestType, fields.DigestChecksum, fields.Body);
        ReadOnlyMemory<byte> body = fields.Body.ToArray();
        bool corrupted = false;
        Body = Corrupted ? body : Decode(body, fields.BodyEncoding, ref problem, out corrupted);
        Corrupted |= corrupted;
        DecodeProblem = problem;
    }

    /// <summary>The message id.</summary>
    public string MessageId { get; }

    /// <summary>The topic (for a lite message, the parent topic).</summary>
    public string Topic { get; }

    /// <summary>The lite topic the message was sent to, if any.</summary>
    public string? LiteTopic { get; }

    /// <summary>The tag, if any.</summary>
    public string? Tag { get; }

    /// <summary>Index keys, possibly empty.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>FIFO message group, if any.</summary>
    public string? MessageGroup { get; }

    /// <summary>When a delay message became deliverable, if it is one.</summary>
    public DateTimeOffset? DeliveryTimestamp { get; }

    /// <summary>Host that sent the message.</summary>
    public string BornHost { get; }

    /// <summary>When the producer sent the message.</summary>
    public DateTimeOffset BornTimestamp { get; }

    /// <summary>Which delivery this is, from 1. Grows with each redelivery after a failure (not after a suspend).</summary>
    public int DeliveryAttempt { get; internal set; }

    /// <summary>Offset in its queue (for a lite message, in its lite topic).</summary>
    public long Offset { get; }

    /// <summary>The queue the message was received from.</summary>
    public int QueueId { get; private set; }

    /// <summary>User properties.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>The body (decompressed when it was sent compressed).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Whether the body failed its digest check; push consumers never hand such a message to the listener.</summary>
    public bool Corrupted { get; }

    /// <summary>The current receipt handle; it changes when the invisible duration is changed.</summary>
    public string ReceiptHandle => Volatile.Read(ref _receiptHandle);

    /// <summary>
    /// What of the delivered message could not be decoded (a timestamp outside 0001..9999 or not normalized, a body that
    /// does not decompress), or null. Such a message is still handed over with what could be decoded, so one bad message
    /// never stops a consumer: an undecodable timestamp reads as unset.
    /// </summary>
    internal string? DecodeProblem { get; }

    /// <summary>The endpoint the message came from, where it is settled.</summary>
    internal AccessPoint Endpoint { get; private set; }

    /// <summary>Size counted for flow control.</summary>
    internal int CachedSize => Body.Length;

    internal void UpdateReceiptHandle(string handle) => Volatile.Write(ref _receiptHandle, handle);

    internal static MessageView From(ProtoMessage message, MessageQueue? queue, AccessPoint endpoint) => new(message, queue, endpoint);

    /// <summary>Completes a view <see cref="ReceiveResponseDecoder"/> built: where it came from (the queue asked, when one was).</summary>
    internal MessageView Received(MessageQueue? queue, AccessPoint endpoint)
    {
        if (queue is not null)
        {
            QueueId = queue.Id;
        }

        Endpoint = endpoint;
        return this;
    }

    /// <inheritdoc />
    public override string ToString() =>
        LiteTopic is null ? $"{MessageId} on {Topic}" : $"{MessageId} on {Topic}/{LiteTopic} (attempt {DeliveryAttempt})";

    /// <summary>Earliest and latest seconds a protobuf Timestamp may hold (0001-01-01 and 9999-12-31T23:59:59).</summary>
    /// <summary>
    /// The time a Timestamp holds, or null when it is absent or invalid (then <paramref name="problem"/> says so):
    /// <see cref="Google.Protobuf.WellKnownTypes.Timestamp.ToDateTimeOffset"/> throws on an invalid one.
    /// </summary>
    private static DateTimeOffset? TimeOf(Google.Protobuf.WellKnownTypes.Timestamp? timestamp, string field, ref string? problem)
    {
        if (timestamp is null)
        {
            return null;
        }

        if (!ProtocolTime.IsValid(timestamp.Seconds, timestamp.Nanos))
        {
            problem = $"{field} ({timestamp.Seconds} s, {timestamp.Nanos} ns) is not a valid timestamp";
            return null;
        }

        return timestamp.ToDateTimeOffset();
    }

    private static DateTimeOffset? TimeOf(in WireTime time, string field, ref string? problem)
    {
        if (!time.Present)
        {
            return null;
        }

        if (!ProtocolTime.IsValid(time.Seconds, time.Nanos))
        {
            problem = $"{field} ({time.Seconds} s, {time.Nanos} ns) is not a valid timestamp";
            return null;
        }

        return DateTimeOffset.UnixEpoch.AddTicks((time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanos / 100));
    }

    /// <summary>The body as the application sees it: decompressed when it was sent GZIP (when the digest held).</summary>
    private static ReadOnlyMemory<byte> Decode(ReadOnlyMemory<byte> body, Encoding encoding, ref string? problem, out bool corrupted)
    {
        corrupted = false;
        if (encoding != Encoding.Gzip)
        {
            return body;
        }

        if (TryGunzip(body) is { } unzipped)
        {
            return unzipped;
        }

        corrupted = true;
        problem = "the body is marked GZIP but does not decompress";
        return body;
    }

    private static ReadOnlyMemory<byte>? TryGunzip(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(body.ToArray(), writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
