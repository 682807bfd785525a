using System.Buffers.Binary;

namespace AgentBus.Envelopes;

/// <summary>
/// Several chunks of a streamed reply in one broker message: the envelope's sequence (<c>n</c>) is the first chunk's
/// sequence, its chunk count (<c>c</c>) how many it holds (absent for one, whose body is the chunk as it is), and the body each
/// chunk as a 4-byte little-endian length then its bytes. A message holds at most <see cref="MaxChunksPerMessage"/>
/// chunks — a wire constant, since a reader resuming after sequence <c>n</c> relies on it to start at offset
/// <c>(n + 1) / MaxChunksPerMessage</c> without skipping the message that holds chunk <c>n + 1</c>.
/// </summary>
internal static class ChunkPacking
{
    public const int MaxChunksPerMessage = 64;

    private const int LengthSize = sizeof(int);

    /// <summary>The first offset of a stream's lite topic that can hold the chunk after <paramref name="afterSequence"/>.</summary>
    /// <remarks>
    /// The message at offset k starts with a sequence of at most <c>64 k</c> (each message before it holds at most
    /// 64 chunks), and holds at most 64: so the one holding sequence <c>n + 1</c> is at offset
    /// <c>k ≥ (n + 1) / 64</c> (rounded down).
    /// </remarks>
    public static long ResumeOffset(long afterSequence) => (afterSequence + 1) / MaxChunksPerMessage;

    public static byte[] Pack(ReadOnlySpan<ReadOnlyMemory<byte>> chunks)
    {
        int size = 0;
        foreach (var chunk in chunks)
        {
            size = checked(size + LengthSize + chunk.Length);
        }

        var body = new byte[size];
        var rest = body.AsSpan();
        foreach (var chunk in chunks)
        {
            BinaryPrimitives.WriteInt32LittleEndian(rest, chunk.Length);
            chunk.Span.CopyTo(rest[LengthSize..]);
            rest = rest[(LengthSize + chunk.Length)..];
        }

        return body;
    }

    /// <summary>Splits a packed body into its <paramref name="count"/> chunks (slices of it, not copies).</summary>
    /// <returns>False when the body does not hold exactly <paramref name="count"/> well-formed chunks.</returns>
    public static bool TryUnpack(ReadOnlyMemory<byte> body, int count, List<ReadOnlyMemory<byte>> chunks)
    {
        var rest = body;
        for (int i = 0; i < count; i++)
        {
            if (rest.Length < LengthSize)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadInt32LittleEndian(rest.Span);
            if (length < 0 || length > rest.Length - LengthSize)
            {
                return false;
            }

            chunks.Add(rest.Slice(LengthSize, length));
            rest = rest[(LengthSize + length)..];
        }

        return rest.IsEmpty;
    }
}
