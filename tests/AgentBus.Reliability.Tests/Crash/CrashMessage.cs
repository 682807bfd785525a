using System.Security.Cryptography;
using System.Text;

namespace AgentBus.Reliability.Tests.Crash;

/// <summary>
/// The body of a crash-test message: <c>id|payload|checksum</c>, where the checksum is the first 16 hex digits of
/// SHA-256 over <c>id|payload</c>. A body read back whole and unchanged verifies; a torn or altered one does not.
/// </summary>
internal static class CrashMessage
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public static byte[] Encode(string id, int payloadLength, Random random)
    {
        var payload = new StringBuilder(payloadLength);
        for (int i = 0; i < payloadLength; i++)
        {
            payload.Append(Alphabet[random.Next(Alphabet.Length)]);
        }

        string signed = id + "|" + payload;
        return Encoding.ASCII.GetBytes(signed + "|" + Checksum(signed));
    }

    /// <summary>The id of an intact body; null when the body does not verify.</summary>
    public static string? Verify(ReadOnlySpan<byte> body)
    {
        string text = Encoding.ASCII.GetString(body);
        int last = text.LastIndexOf('|');
        int first = text.IndexOf('|', StringComparison.Ordinal);
        if (first <= 0 || last <= first)
        {
            return null;
        }

        string signed = text[..last];
        return string.Equals(text[(last + 1)..], Checksum(signed), StringComparison.Ordinal) ? text[..first] : null;
    }

    private static string Checksum(string signed) => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(signed)), 0, 8);
}
