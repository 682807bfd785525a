using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Messages;

/// <summary>
/// Checks a received body against the digest the broker sent (CRC32, MD5 or SHA-1), as the official clients do;
/// an unknown or missing digest passes. Hex digests compare case-insensitively; a CRC32 may also come as decimal.
/// Nothing is allocated: the checksum is compared as it came, text or UTF-8 bytes off the wire.
/// </summary>
internal static class BodyDigest
{
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

        Span<byte> utf8 = stackalloc byte[64];
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
            {
                // MD5 and SHA-1 are the protocol's transport checksums here, not security measures.
#pragma warning disable CA5351
                Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
                MD5.HashData(body, hash);
#pragma warning restore CA5351
                return HexEquals(hash, checksum);
            }

            case DigestType.Sha1:
            {
#pragma warning disable CA5350
                Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
                SHA1.HashData(body, hash);
#pragma warning restore CA5350
                return HexEquals(hash, checksum);
            }

            default:
                return true;
        }
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
