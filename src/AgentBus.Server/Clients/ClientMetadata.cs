using Grpc.Core;

namespace AgentBus.Server.Clients;

/// <summary>The RocketMQ v5 transport headers a client sends with every call.</summary>
/// <param name="ClientId">Unique client instance id (<c>x-mq-client-id</c>); null when the header is missing.</param>
/// <param name="Namespace">Resource namespace (<c>x-mq-namespace</c>), or empty.</param>
/// <param name="Language">Client language (<c>x-mq-language</c>), or empty.</param>
/// <param name="ProtocolVersion">Protocol version (<c>x-mq-protocol-version</c> or <c>x-mq-protocol</c>), or empty.</param>
/// <param name="RequestId">Request id for correlation in logs (<c>x-mq-request-id</c>), or empty.</param>
/// <param name="ContinuousReceive">Whether the client asked for a continuous receive (<see cref="ReceiveModeHeader"/>).</param>
/// <param name="ContinuousMaxBytes">Body bytes after which a continuous receive ends (<see cref="ReceiveMaxBytesHeader"/>), if given.</param>
/// <param name="Crc32BodyDigest">Whether the client reads a CRC32 body digest (<see cref="BodyDigestHeader"/>) instead of MD5.</param>
/// <param name="AsksForStream">Whether the client asked whether the broker serves the message stream (<see cref="StreamHeader"/>).</param>
internal sealed record ClientMetadata(string? ClientId, string Namespace, string Language, string ProtocolVersion, string RequestId,
    bool ContinuousReceive = false, long? ContinuousMaxBytes = null, bool Crc32BodyDigest = false, bool AsksForStream = false)
{
    /// <summary>
    /// AgentBus extension header: sent by a client on its MessagingService calls until it knows whether the broker serves
    /// <c>agentbus.v1.MessageStream</c>; a broker that does answers with the same header in the response headers.
    /// </summary>
    public const string StreamHeader = "agentbus-stream";

    /// <summary>The <see cref="StreamHeader"/> value of this version of the stream.</summary>
    public const string StreamVersion = "v1";

    /// <summary>
    /// AgentBus extension header of a continuous receive: the stream ends once the bodies written on it reach this many
    /// bytes (decimal), so a consumer's byte limit holds however large the messages are.
    /// </summary>
    public const string ReceiveMaxBytesHeader = "agentbus-receive-max-bytes";

    /// <summary>
    /// AgentBus extension header of a <c>ReceiveMessage</c> call: <see cref="ContinuousReceive"/> keeps the stream open
    /// and delivers messages as they become ready. Brokers that do not know it answer the one-shot receive.
    /// </summary>
    public const string ReceiveModeHeader = "agentbus-receive-mode";

    /// <summary>The <see cref="ReceiveModeHeader"/> value asking for a continuous receive.</summary>
    public const string ContinuousReceiveMode = "continuous";

    /// <summary>
    /// AgentBus extension header of a <c>ReceiveMessage</c> call: <see cref="Crc32Digest"/> asks for each delivered
    /// body's digest as CRC32 (8 upper-case hex digits) instead of MD5 — about 20 times cheaper to compute on both
    /// sides. Official clients do not send it and get MD5, the one digest whose text form they all agree on.
    /// </summary>
    public const string BodyDigestHeader = "agentbus-body-digest";

    /// <summary>The <see cref="BodyDigestHeader"/> value asking for CRC32.</summary>
    public const string Crc32Digest = "crc32";

    /// <summary>Header carrying the client id.</summary>
    public const string ClientIdHeader = "x-mq-client-id";

    /// <summary>Header carrying the resource namespace.</summary>
    public const string NamespaceHeader = "x-mq-namespace";

    /// <summary>Header carrying the client language.</summary>
    public const string LanguageHeader = "x-mq-language";

    /// <summary>Header carrying the protocol version.</summary>
    public const string ProtocolVersionHeader = "x-mq-protocol-version";

    /// <summary>Header carrying the request id.</summary>
    public const string RequestIdHeader = "x-mq-request-id";

    /// <summary>The client id header as <see cref="From"/> reads it, without reading the other headers.</summary>
    /// <param name="headers">The call's request headers.</param>
    /// <returns>The client id, or null when the header is missing or blank.</returns>
    public static string? ClientIdOf(Metadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        for (int i = 0; i < headers.Count; i++)
        {
            var entry = headers[i];
            if (!entry.IsBinary && entry.Key == ClientIdHeader)
            {
                return string.IsNullOrWhiteSpace(entry.Value) ? null : entry.Value;
            }
        }

        return null;
    }

    /// <summary>Bytes of a call's request headers: every key and value (binary values as their bytes).</summary>
    /// <param name="headers">The call's request headers.</param>
    /// <returns>Their total size.</returns>
    public static long SizeOf(Metadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        long size = 0;
        for (int i = 0; i < headers.Count; i++)
        {
            var entry = headers[i];
            // Non-binary gRPC metadata values are printable ASCII: one byte a character.
            size += entry.Key.Length + (entry.IsBinary ? entry.ValueBytes.Length : entry.Value.Length);
        }

        return size;
    }

    /// <summary>Reads the headers of a call.</summary>
    /// <param name="headers">The call's request headers.</param>
    /// <returns>The client's metadata.</returns>
    public static ClientMetadata From(Metadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        string? clientId = null;
        string ns = "", language = "", version = "", requestId = "";
        bool continuous = false;
        long? maxBytes = null;
        bool crc32 = false;
        bool asksForStream = false;
        foreach (var entry in headers)
        {
            if (entry.IsBinary)
            {
                continue;
            }

            switch (entry.Key)
            {
                case ClientIdHeader:
                    clientId = string.IsNullOrWhiteSpace(entry.Value) ? null : entry.Value;
                    break;
                case NamespaceHeader:
                    ns = entry.Value;
                    break;
                case LanguageHeader:
                    language = entry.Value;
                    break;
                case ProtocolVersionHeader:
                case "x-mq-protocol" when version.Length == 0:
                    version = entry.Value;
                    break;
                case RequestIdHeader:
                    requestId = entry.Value;
                    break;
                case ReceiveModeHeader:
                    continuous = string.Equals(entry.Value, ContinuousReceiveMode, StringComparison.Ordinal);
                    break;
                case BodyDigestHeader:
                    crc32 = string.Equals(entry.Value, Crc32Digest, StringComparison.Ordinal);
                    break;
                case StreamHeader:
                    asksForStream = string.Equals(entry.Value, StreamVersion, StringComparison.Ordinal);
                    break;
                case ReceiveMaxBytesHeader:
                    // Malformed or non-positive: no byte bound (batch_size still bounds the stream).
                    maxBytes = long.TryParse(entry.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long bytes)
                        && bytes > 0 ? bytes : null;
                    break;
            }
        }

        return new ClientMetadata(clientId, ns, language, version, requestId, continuous, maxBytes, crc32, asksForStream);
    }
}
