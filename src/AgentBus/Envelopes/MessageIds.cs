using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AgentBus.Envelopes;

/// <summary>
/// Bus message and request ids: UUID version 7 (RFC 9562) as 32 lower-case hex digits — time-ordered by the
/// millisecond, valid lite topic characters — with 74 random bits from the cryptographic generator, so an id is not
/// guessable from another one (a request id names the lite topic its streamed reply travels on). The random bits
/// are drawn a block at a time per thread: one call into the system's generator serves about a hundred ids, where
/// <see cref="Guid.CreateVersion7()"/> makes one per id (a system call that measured about 2% of a request/response's CPU).
/// </summary>
internal static class MessageIds
{
    private const int RandomBytesPerId = 10;
    private const int IdsPerBlock = 100;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_next;

    public static string New() => New(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    internal static string New(long unixMilliseconds)
    {
        var random = t_random ??= new byte[RandomBytesPerId * IdsPerBlock];
        if (t_next == 0)
        {
            RandomNumberGenerator.Fill(random);
        }

        var bits = random.AsSpan(t_next, RandomBytesPerId);
        t_next = (t_next + RandomBytesPerId) % random.Length;

        Span<byte> uuid = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(uuid, unixMilliseconds << 16); // 48-bit timestamp, then 16 bits below
        uuid[6] = (byte)(0x70 | (bits[0] & 0x0F)); // version 7 + 4 random bits
        uuid[7] = bits[1];
        uuid[8] = (byte)(0x80 | (bits[2] & 0x3F)); // variant 10 + 6 random bits
        bits[3..].CopyTo(uuid[9..]);
        return Convert.ToHexStringLower(uuid);
    }
}
