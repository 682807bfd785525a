using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace AgentBus.Envelopes;

/// <summary>
/// The envelope's fields in one message property (<see cref="EnvelopeProperties.Envelope"/>):
/// <c>k=req;id=…;rq=…;rt=reply|gw-1;dl=1767225600000;f=gateway;t=svc</c>. One property instead of a dozen, because
/// every property is parsed into strings and map entries four times between sender and receiver (server, broker,
/// server again, client) — about 1.3 KB and 2 µs per property per request, most of the agent layer's cost over
/// two raw client hops (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Fields are <c>key=value</c> separated by <c>;</c>, in any order; a value ends at the next <c>;</c>, and <c>%</c>,
/// <c>;</c> and control characters in it are written <c>%XX</c> (hex of the character, all below U+0080).
/// A reader ignores keys it does not know (a later version may add some), and refuses a known key given twice.
/// </remarks>
internal static class EnvelopeCodec
{
    public const string Kind = "k";
    public const string MessageId = "id";
    public const string RequestId = "rq";
    public const string ReplyTo = "rt";
    public const string Sequence = "n";
    public const string ChunkCount = "c";
    public const string Deadline = "dl";
    public const string IdempotencyKey = "ik";
    public const string Attempt = "a";
    public const string From = "f";
    public const string To = "t";
    public const string ContentType = "ct";
    public const string ErrorType = "e";

    public const string Json = "application/json";
    public const string OctetStream = "application/octet-stream";

    private static readonly SearchValues<char> Escaped = SearchValues.Create(
        "%;\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    /// <summary>Writes the envelope of <paramref name="message"/>; <paramref name="contentType"/> is left out when it is JSON.</summary>
    public static string Write(in OutgoingMessage message, string? contentType)
    {
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        text.AppendLiteral(Kind + "=");
        text.AppendLiteral(MessageKinds.ToWire(message.Kind));
        Field(ref text, MessageId, message.MessageId);
        Field(ref text, RequestId, message.RequestId);
        Field(ref text, ReplyTo, message.ReplyTo);
        if (message.Sequence is { } sequence)
        {
            text.AppendLiteral(";" + Sequence + "=");
            text.AppendFormatted(sequence);
        }

        if (message.ChunkCount > 1)
        {
            text.AppendLiteral(";" + ChunkCount + "=");
            text.AppendFormatted(message.ChunkCount);
        }

        if (message.Deadline is { } deadline)
        {
            text.AppendLiteral(";" + Deadline + "=");
            text.AppendFormatted(deadline.ToUnixTimeMilliseconds());
        }

        Field(ref text, IdempotencyKey, message.IdempotencyKey);
        if (message.Attempt > 1)
        {
            text.AppendLiteral(";" + Attempt + "=");
            text.AppendFormatted(message.Attempt);
        }

        Field(ref text, From, message.From);
        Field(ref text, To, message.To);
        if (contentType is not null && !string.Equals(contentType, Json, StringComparison.Ordinal))
        {
            Field(ref text, ContentType, contentType);
        }

        Field(ref text, ErrorType, message.ErrorType);
        return text.ToStringAndClear();
    }

    private static void Field(ref DefaultInterpolatedStringHandler text, string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        text.AppendLiteral(";");
        text.AppendLiteral(key);
        text.AppendLiteral("=");
        var rest = value.AsSpan();
        for (int at; (at = rest.IndexOfAny(Escaped)) >= 0; rest = rest[(at + 1)..])
        {
            text.AppendFormatted(rest[..at]);
            text.AppendLiteral("%");
            text.AppendFormatted((int)rest[at], "X2");
        }

        text.AppendFormatted(rest);
    }

    /// <summary>Reads an envelope property into its fields.</summary>
    /// <returns>False, with <paramref name="problem"/> saying why, when it is not well formed.</returns>
    public static bool TryRead(string value, out EnvelopeFields fields, out string problem)
    {
        fields = default;
        var rest = value.AsSpan();
        int seen = 0;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf(';');
            var field = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            int eq = field.IndexOf('=');
            if (eq <= 0)
            {
                problem = $"field '{field}' is not key=value";
                return false;
            }

            var key = field[..eq];
            var text = field[(eq + 1)..];
            int bit = Bit(key);
            if (bit == 0)
            {
                continue; // a later version's field
            }

            if ((seen & bit) != 0)
            {
                problem = $"field '{key}' appears twice";
                return false;
            }

            seen |= bit;
            if (!TryAssign(ref fields, bit, text, out problem))
            {
                return false;
            }
        }

        problem = "";
        return true;
    }

    private static int Bit(ReadOnlySpan<char> key) => key switch
    {
        Kind => 1 << 0,
        MessageId => 1 << 1,
        RequestId => 1 << 2,
        ReplyTo => 1 << 3,
        Sequence => 1 << 4,
        ChunkCount => 1 << 5,
        Deadline => 1 << 6,
        IdempotencyKey => 1 << 7,
        Attempt => 1 << 8,
        From => 1 << 9,
        To => 1 << 10,
        ContentType => 1 << 11,
        ErrorType => 1 << 12,
        _ => 0,
    };

    private static bool TryAssign(ref EnvelopeFields fields, int bit, ReadOnlySpan<char> text, out string problem)
    {
        problem = "";
        long number;
        switch (bit)
        {
            case 1 << 0:
                if (!MessageKinds.TryParse(text, out fields.Kind))
                {
                    problem = $"field '{Kind}' is not a known kind";
                    return false;
                }

                fields.HasKind = true;
                return true;
            case 1 << 1: return TryText(text, MessageId, out fields.MessageId, ref problem);
            case 1 << 2: return TryText(text, RequestId, out fields.RequestId, ref problem);
            case 1 << 3: return TryText(text, ReplyTo, out fields.ReplyTo, ref problem, shared: true);
            case 1 << 4:
                if (!TryNumber(text, Sequence, long.MaxValue, out number, ref problem))
                {
                    return false;
                }

                fields.Sequence = number;
                return true;
            case 1 << 5:
                if (!TryNumber(text, ChunkCount, ChunkPacking.MaxChunksPerMessage, out number, ref problem) || number < 1)
                {
                    problem = $"field '{ChunkCount}' is not a chunk count of 1 to {ChunkPacking.MaxChunksPerMessage}";
                    return false;
                }

                fields.ChunkCount = (int)number;
                return true;
            case 1 << 6:
                // The last millisecond of year 9999: DateTimeOffset's range.
                if (!TryNumber(text, Deadline, 253_402_300_799_999, out number, ref problem))
                {
                    return false;
                }

                fields.DeadlineMs = number;
                return true;
            case 1 << 7: return TryText(text, IdempotencyKey, out fields.IdempotencyKey, ref problem);
            case 1 << 8:
                if (!TryNumber(text, Attempt, int.MaxValue, out number, ref problem) || number < 1)
                {
                    problem = $"field '{Attempt}' is not a positive number";
                    return false;
                }

                fields.Attempt = (int)number;
                return true;
            case 1 << 9: return TryText(text, From, out fields.From, ref problem, shared: true);
            case 1 << 10: return TryText(text, To, out fields.To, ref problem, shared: true);
            case 1 << 11:
                if (text.SequenceEqual(OctetStream))
                {
                    fields.ContentType = OctetStream;
                    return true;
                }

                return TryText(text, ContentType, out fields.ContentType, ref problem);
            default: return TryText(text, ErrorType, out fields.ErrorType, ref problem);
        }
    }

    private static bool TryNumber(ReadOnlySpan<char> text, string key, long max, out long value, ref string problem)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= max)
        {
            return true;
        }

        problem = $"field '{key}' is not a number up to {max}";
        return false;
    }

    // shared: a value that repeats across messages (an agent id, a reply topic), read through the client's name cache.
    private static bool TryText(ReadOnlySpan<char> text, string key, out string? value, ref string problem, bool shared = false)
    {
        if (text.IsEmpty)
        {
            value = null;
            return true;
        }

        int first = text.IndexOf('%');
        if (first < 0)
        {
            value = shared ? Client.Transport.NameCache.Get(text) : text.ToString();
            return true;
        }

        var decoded = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[128]);
        var rest = text;
        for (int at = first; at >= 0; at = rest.IndexOf('%'))
        {
            if (at + 3 > rest.Length ||
                !int.TryParse(rest.Slice(at + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code) || code >= 0x80)
            {
                decoded.ToStringAndClear();
                value = null;
                problem = $"field '{key}' has a malformed %-escape";
                return false;
            }

            decoded.AppendFormatted(rest[..at]);
            decoded.AppendFormatted((char)code);
            rest = rest[(at + 3)..];
        }

        decoded.AppendFormatted(rest);
        value = decoded.ToStringAndClear();
        return true;
    }
}

/// <summary>The fields of an envelope property, as read.</summary>
internal struct EnvelopeFields
{
    public bool HasKind;
    public MessageKind Kind;
    public string? MessageId;
    public string? RequestId;
    public string? ReplyTo;
    public long? Sequence;
    public int ChunkCount;
    public long? DeadlineMs;
    public string? IdempotencyKey;
    public int Attempt;
    public string? From;
    public string? To;
    public string? ContentType;
    public string? ErrorType;
}
