using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace AgentBus.Addressing;

/// <summary>
/// The inverse of <see cref="LiteTopicNames"/>: the id a lite topic name was made from. <c>%XX</c> runs are the UTF-8
/// bytes of one or more characters, <c>%%XXXX</c> is a lone UTF-16 surrogate, anything else stands for itself. A
/// hashed name (a second <c>|</c> before 24 hex digits of the id's hash) cannot be decoded; what it keeps is the
/// readable head of the escaped id, which decodes to a prefix of the id.
/// </summary>
internal static class LiteTopicNameDecoder
{
    /// <summary>The start of every agent inbox name (<see cref="LiteTopicNames.ForAgent"/>).</summary>
    public const string AgentPrefix = "agent|";

    private const int HashDigits = 24;

    private static readonly SearchValues<char> UpperHexDigits = SearchValues.Create("0123456789ABCDEF");

    /// <summary>
    /// Decodes an agent inbox name. Only names <see cref="LiteTopicNames.ForAgent"/> makes decode: a name it would not
    /// produce (a non-canonical escape, bytes that are not UTF-8, a malformed hash) returns false.
    /// </summary>
    /// <param name="liteTopic">The lite topic name.</param>
    /// <param name="agentId">The agent id; for a hashed name, the readable head of it (a prefix).</param>
    /// <param name="truncated">True for a hashed name, whose <paramref name="agentId"/> is only the head.</param>
    /// <returns>Whether <paramref name="liteTopic"/> is an agent inbox name.</returns>
    public static bool TryDecodeAgent(string liteTopic, out string agentId, out bool truncated) =>
        TryDecode(liteTopic, AgentPrefix, LiteTopicNames.ForAgent, out agentId, out truncated);

    private static bool TryDecode(string liteTopic, string prefix, Func<string, string> map, out string id, out bool truncated)
    {
        id = "";
        truncated = false;
        if (!liteTopic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var escaped = liteTopic.AsSpan(prefix.Length);
        int separator = escaped.IndexOf('|');
        if (separator >= 0)
        {
            var hash = escaped[(separator + 1)..];
            if (hash.Length != HashDigits || hash.IndexOfAnyExcept(UpperHexDigits) >= 0)
            {
                return false;
            }

            truncated = true;
            escaped = escaped[..separator];
        }

        if (escaped.IsEmpty || !TryUnescape(escaped, out string? decoded))
        {
            return false;
        }

        // Canonical only: the head of a hashed name is short enough to map without hashing, so both kinds check the same way.
        if (!string.Equals(map(decoded), string.Concat(prefix, escaped), StringComparison.Ordinal))
        {
            return false;
        }

        id = decoded;
        return true;
    }

    private static bool TryUnescape(ReadOnlySpan<char> escaped, [NotNullWhen(true)] out string? id)
    {
        id = null;
        var text = new StringBuilder(escaped.Length);
        Span<byte> bytes = stackalloc byte[escaped.Length / 3];
        int i = 0;
        while (i < escaped.Length)
        {
            char c = escaped[i];
            if (c != '%')
            {
                text.Append(c);
                i++;
            }
            else if (i + 1 < escaped.Length && escaped[i + 1] == '%')
            {
                if (i + 6 > escaped.Length || !ushort.TryParse(escaped.Slice(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort unit))
                {
                    return false;
                }

                text.Append((char)unit);
                i += 6;
            }
            else
            {
                // A run of %XX: the UTF-8 bytes of one or more characters.
                int count = 0;
                while (i < escaped.Length && escaped[i] == '%' && !(i + 1 < escaped.Length && escaped[i + 1] == '%'))
                {
                    if (i + 3 > escaped.Length || !byte.TryParse(escaped.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[count]))
                    {
                        return false;
                    }

                    count++;
                    i += 3;
                }

                // Invalid UTF-8 becomes U+FFFD here, which the canonical check then refuses.
                text.Append(Encoding.UTF8.GetString(bytes[..count]));
            }
        }

        id = text.ToString();
        return true;
    }
}
