using System.Collections.Concurrent;
using System.Text;

namespace AgentBus.Client.Transport;

/// <summary>
/// The strings that repeat in every delivery — topic, lite topic, born host, property keys, and the agent layer's
/// sender, addressee and reply topic — decoded once and shared,
/// so a received message allocates only what is its own (id, receipt handle, property values, body). Bounded: once
/// full it is cleared and refills with what is in use.
/// </summary>
internal static class NameCache
{
    private const int MaxEntries = 4096;
    private const int MaxBytes = 128;

    private static readonly ConcurrentDictionary<string, string> Names = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Names.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        // UTF-8 never decodes to more UTF-16 chars than it has bytes.
        Span<char> buffer = stackalloc char[MaxBytes];
        return Get(buffer[..Encoding.UTF8.GetChars(utf8, buffer)]);
    }

    /// <summary>The shared string of a name already decoded (the agent layer's sender, addressee and reply topic).</summary>
    public static string Get(ReadOnlySpan<char> chars)
    {
        if (chars.Length > MaxBytes)
        {
            return chars.ToString();
        }

        if (Lookup.TryGetValue(chars, out var existing))
        {
            return existing;
        }

        if (Names.Count >= MaxEntries)
        {
            Names.Clear();
        }

        var name = new string(chars);
        return Names.GetOrAdd(name, name);
    }
}
