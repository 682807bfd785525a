using System.Buffers;
using System.Text;
using Grpc.Core;

namespace AgentBus.Protocol.Wire;

/// <summary>
/// Reads the protobuf wire format (tags, varints, length-delimited fields) from a span, for the few messages the
/// client and the broker decode themselves instead of building Google.Protobuf objects. Every length is checked
/// against the bytes that are there; a malformed input throws <see cref="InvalidDataException"/>, as Google.Protobuf's
/// parser throws its own exception.
/// </summary>
internal ref struct WireReader
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Decodes a message a span at a time.</summary>
    public delegate T SpanDecoder<out T>(ReadOnlySpan<byte> data);

    /// <summary>Decodes grpc-dotnet's payload: in place when it is one segment, else from a pooled copy.</summary>
    public static T Decode<T>(DeserializationContext context, SpanDecoder<T> decode)
    {
        var payload = context.PayloadAsReadOnlySequence();
        if (payload.IsSingleSegment)
        {
            return decode(payload.FirstSpan);
        }

        int length = checked((int)payload.Length);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            payload.CopyTo(rented);
            return decode(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public readonly bool End => _position >= _data.Length;

    /// <summary>The next field's tag (field number and wire type); the caller checks <see cref="End"/> first.</summary>
    public uint ReadTag()
    {
        // As Google.Protobuf reads a tag: a varint of up to 10 bytes of which the low 32 bits count.
        uint tag = unchecked((uint)ReadVarint());
        if (tag >> 3 == 0)
        {
            throw new InvalidDataException("A protobuf field has number 0.");
        }

        return tag;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new InvalidDataException("A protobuf varint runs past the end of the message.");
            }

            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A protobuf varint is longer than 10 bytes.");
    }

    /// <summary>An int32 field: negative values are sent sign-extended to 64 bits.</summary>
    public int ReadInt32() => unchecked((int)ReadVarint());

    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>The bytes of a length-delimited field, sliced from the input (no copy).</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        // As Google.Protobuf reads a length: the low 32 bits of the varint (a 10-byte varint of 2^63 is 0), refused
        // when negative, so both decoders accept and refuse the same bytes.
        int length = unchecked((int)ReadVarint());
        if (length < 0 || length > _data.Length - _position)
        {
            throw new InvalidDataException("A protobuf length-delimited field runs past the end of the message.");
        }

        var bytes = _data.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public string ReadString() => Utf8(ReadBytes());

    /// <summary>Skips the value of a field of the given wire type (unknown fields, and fields the client does not use).</summary>
    public void Skip(uint tag) => Skip(tag, depth: 0);

    private void Skip(uint tag, int depth)
    {
        switch ((int)(tag & 7))
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Advance(8);
                break;
            case LengthDelimited:
                ReadBytes();
                break;
            case Fixed32:
                Advance(4);
                break;
            case StartGroup:
                SkipGroup(tag >> 3, depth + 1);
                break;
            case EndGroup:
                throw new InvalidDataException("A protobuf group ends that never started.");
            default:
                // Wire types 6 and 7 do not exist; Google.Protobuf skips nothing for them (in map entries), and so
                // does this reader rather than refusing what the official parser accepts.
                break;
        }
    }

    /// <summary>UTF-8 as Google.Protobuf decodes it: invalid sequences become U+FFFD rather than failing.</summary>
    public static string Utf8(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);

    private void Advance(int count)
    {
        if (count > _data.Length - _position)
        {
            throw new InvalidDataException("A protobuf fixed-size field runs past the end of the message.");
        }

        _position += count;
    }

    private void SkipGroup(uint field, int depth)
    {
        // Google.Protobuf's default recursion limit.
        if (depth > 100)
        {
            throw new InvalidDataException("Protobuf groups are nested more than 100 deep.");
        }

        // Groups are deprecated and never sent by brokers, but they are valid wire format; bounded by the input.
        while (!End)
        {
            uint tag = ReadTag();
            if ((tag & 7) == EndGroup)
            {
                if (tag >> 3 != field)
                {
                    throw new InvalidDataException("A protobuf group ends with the wrong field number.");
                }

                return;
            }

            Skip(tag, depth);
        }

        throw new InvalidDataException("A protobuf group is not closed.");
    }
}
