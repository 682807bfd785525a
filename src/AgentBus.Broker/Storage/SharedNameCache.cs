using System.Collections.Concurrent;

namespace AgentBus.Broker.Storage;

/// <summary>
/// The names a record read back for a delivery repeats — topic, lite topic, born host — decoded once and shared by
/// every read, so each delivery allocates only what is its own (message id, body). Thread-safe, unlike the per-scan
/// <see cref="Utf8StringCache"/>. Bounded: once full it is cleared and refills with the names in use, so a read
/// over more distinct lite topics than it holds costs what decoding each name did, plus the lookup.
/// </summary>
internal static class SharedNameCache
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
            return RecordEncoder.Utf8.GetString(utf8);
        }

        // UTF-8 never decodes to more UTF-16 chars than it has bytes.
        Span<char> buffer = stackalloc char[MaxBytes];
        var chars = buffer[..RecordEncoder.Utf8.GetChars(utf8, buffer)];
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
