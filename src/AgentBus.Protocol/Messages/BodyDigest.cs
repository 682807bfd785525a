using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using Apache.Rocketmq.V2;

namespace AgentBus.Protocol.Messages;

/// <summary>
/// The body digest of a message, both ways: what the broker sends with a delivery (upper-case hex MD5, what official
/// clients verify, or CRC32 for a consumer that asks for it) and how a client checks what it received (CRC32, MD5 or
/// SHA-1, as the official clients do; an unknown or missing digest passes). Hex compares case-insensitively; a CRC32
/// may also come as decimal. Nothing is allocated but the strings the string-returning methods return.
/// </summary>
internal static class BodyDigest
{
    /// <summary>Characters of an MD5 digest in hex, the longest digest the broker sends.</summary>
    public const int MaxHexLength = 2 * MD5.HashSizeInBytes;

    /// <summary>Upper-case hex MD5 of a body, the digest official clients verify.</summary>
    /// <remarks>
    /// MD5 rather than CRC32 for them because clients disagree on CRC32's text form (Java: hex, Node.js: decimal) but
    /// agree on MD5's.
    /// </remarks>
    public static string Md5Hex(ReadOnlySpan<byte> body)
    {
        Span<byte> hex = stackalloc byte[MaxHexLength];
        return System.Text.Encoding.ASCII.GetString(hex[..WriteHex(body, crc32: false, hex)]);
    }

    /// <summary>
    /// Upper-case hex CRC32 (IEEE) of a body, for consumers that ask for it (<c>agentbus-body-digest: crc32</c>, the
    /// AgentBus client): hardware-accelerated, where MD5 costs about 2 µs per KB on each side of every delivery.
    /// </summary>
    public static string Crc32Hex(ReadOnlySpan<byte> body) =>
        Crc32.HashToUInt32(body).ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>The body's MD5 or CRC32 as upper-case ASCII hex into <paramref name="destination"/> (at least <see cref="MaxHexLength"/> bytes); returns its length.</summary>
    public static int WriteHex(ReadOnlySpan<byte> body, bool crc32, Span<byte> destination)
    {
        if (crc32)
        {
            Span<byte> crc = stackalloc byte[sizeof(uint)];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(body));
            return Hex(crc, destination);
        }

        // MD5 is only the protocol's transport checksum here, not a security measure.
#pragma warning disable CA5351
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
        MD5.HashData(body, hash);
#pragma warning restore CA5351
        return Hex(hash, destination);
    }

    /// <summary>Checks a digest read by Google.Protobuf; a missing digest passes.</summary>
    public static bool Matches(Digest? digest, ReadOnlySpan<byte> body) => digest is null || Matches(digest.Type, digest.Checksum, body);

    /// <summary>Checks a digest read by Google.Protobuf.</summary>
    public static bool Matches(DigestType type, string checksum, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(checksum))
        {
            return true;
        }

        // Digests are 8 to 40 ASCII characters; anything longer cannot match any of them.
        if (checksum.Length > 64)
        {
            return type is not (DigestType.Crc32 or DigestType.Md5 or DigestType.Sha1);
        }

        Span<byte> utf8 = stackalloc byte[64 * 3];
        int length = System.Text.Encoding.UTF8.GetBytes(checksum, utf8);
        return Matches(type, utf8[..length], body);
    }

    /// <summary>Checks a digest whose checksum is the UTF-8 text of the wire.</summary>
    public static bool Matches(DigestType type, ReadOnlySpan<byte> checksum, ReadOnlySpan<byte> body)
    {
        if (checksum.IsEmpty)
        {
            return true;
        }

        switch (type)
        {
            case DigestType.Crc32:
            {
                // Parsed rather than formatted: hex (any case, with or without leading zeros) or decimal, the forms
                // brokers send.
                uint crc = Crc32.HashToUInt32(body);
                return (uint.TryParse(checksum, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint hex) && hex == crc)
                    || (uint.TryParse(checksum, NumberStyles.None, CultureInfo.InvariantCulture, out uint dec) && dec == crc);
            }

            case DigestType.Md5:
                return HashEquals(HashAlgorithmName.MD5, body, checksum);

            case DigestType.Sha1:
                return HashEquals(HashAlgorithmName.SHA1, body, checksum);

            default:
                return true;
        }
    }

    private static int Hex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        const string Digits = "0123456789ABCDEF";
        for (int i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)Digits[bytes[i] >> 4];
            destination[(2 * i) + 1] = (byte)Digits[bytes[i] & 0xF];
        }

        return 2 * bytes.Length;
    }

    /// <summary>Whether <paramref name="checksum"/> is the hex of the body's MD5 or SHA-1 (transport checksums here, not security).</summary>
    private static bool HashEquals(HashAlgorithmName algorithm, ReadOnlySpan<byte> body, ReadOnlySpan<byte> checksum)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        int length = CryptographicOperations.HashData(algorithm, body, hash);
        return HexEquals(hash[..length], checksum);
    }

    private static bool HexEquals(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> checksum)
    {
        if (checksum.Length != hash.Length * 2)
        {
            return false;
        }

        for (int i = 0; i < hash.Length; i++)
        {
            if (HexValue(checksum[2 * i]) != hash[i] >> 4 || HexValue(checksum[(2 * i) + 1]) != (hash[i] & 0xF))
            {
                return false;
            }
        }

        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
