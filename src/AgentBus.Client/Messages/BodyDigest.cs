using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Messages;

/// <summary>
/// Checks a received body against the digest the broker sent (CRC32, MD5 or SHA-1), as the official clients do;
/// an unknown or missing digest passes. Hex digests compare case-insensitively; a CRC32 may also come as decimal.
/// </summary>
internal static class BodyDigest
{
    public static bool Matches(Digest? digest, ReadOnlySpan<byte> body)
    {
        if (digest is null || string.IsNullOrEmpty(digest.Checksum))
        {
            return true;
        }

        switch (digest.Type)
        {
            case DigestType.Crc32:
            {
                // Parsed rather than formatted, so a check allocates nothing: hex (any case, with or without leading
                // zeros) or decimal, the forms brokers send.
                uint crc = Crc32.HashToUInt32(body);
                string text = digest.Checksum;
                return (uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint hex) && hex == crc)
                    || (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint dec) && dec == crc);
            }

            case DigestType.Md5:
            {
                // MD5 and SHA-1 are the protocol's transport checksums here, not security measures.
#pragma warning disable CA5351
                Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
                MD5.HashData(body, hash);
#pragma warning restore CA5351
                return HexEquals(hash, digest.Checksum);
            }

            case DigestType.Sha1:
            {
#pragma warning disable CA5350
                Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
                SHA1.HashData(body, hash);
#pragma warning restore CA5350
                return HexEquals(hash, digest.Checksum);
            }

            default:
                return true;
        }
    }

    private static bool HexEquals(ReadOnlySpan<byte> hash, string checksum) =>
        string.Equals(Convert.ToHexString(hash), checksum, StringComparison.OrdinalIgnoreCase);
}
