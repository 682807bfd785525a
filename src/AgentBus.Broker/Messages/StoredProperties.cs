using System.Buffers.Binary;
using System.Text;

namespace AgentBus.Broker.Messages;

/// <summary>
/// A record's user properties as the commit log holds them — per property a 16-bit key length, the key's UTF-8, a
/// 32-bit value length and the value's UTF-8 — kept undecoded when the record is read, so a delivery copies them to
/// the wire as bytes instead of building a dictionary of strings only to encode them again. Decoded on first use of
/// <see cref="MessageRecord.Properties"/> (tag and SQL filters, traces, dead-lettering).
/// </summary>
/// <param name="Block">The property entries, checked by the decoder when the record was read.</param>
/// <param name="Count">How many entries <paramref name="Block"/> holds.</param>
internal readonly record struct StoredProperties(ReadOnlyMemory<byte> Block, int Count)
{
    public bool IsEmpty => Count == 0;

    public Enumerator GetEnumerator() => new(Block.Span, Count);

    public Dictionary<string, string> Decode()
    {
        var properties = new Dictionary<string, string>(Count);
        foreach (var (key, value) in this)
        {
            properties[Decode(key)] = Decode(value);
        }

        return properties;
    }

    private static string Decode(ReadOnlySpan<byte> utf8) => utf8.IsEmpty ? string.Empty : Encoding.UTF8.GetString(utf8);

    /// <summary>One property's key and value, as UTF-8.</summary>
    public readonly ref struct Entry(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        public ReadOnlySpan<byte> Key { get; } = key;

        public ReadOnlySpan<byte> Value { get; } = value;

        public void Deconstruct(out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
        {
            key = Key;
            value = Value;
        }
    }

    /// <summary>Walks the entries.</summary>
    public ref struct Enumerator(ReadOnlySpan<byte> block, int count)
    {
        private readonly ReadOnlySpan<byte> _block = block;
        private int _left = count;
        private int _position;

        public Entry Current { get; private set; }

        public bool MoveNext()
        {
            if (_left == 0)
            {
                return false;
            }

            _left--;
            int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(_block[_position..]);
            var key = _block.Slice(_position + sizeof(ushort), keyLength);
            _position += sizeof(ushort) + keyLength;
            int valueLength = BinaryPrimitives.ReadInt32LittleEndian(_block[_position..]);
            var value = _block.Slice(_position + sizeof(int), valueLength);
            _position += sizeof(int) + valueLength;
            Current = new Entry(key, value);
            return true;
        }
    }
}
