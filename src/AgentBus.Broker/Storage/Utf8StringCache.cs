using System.Collections.Concurrent;

namespace AgentBus.Broker.Storage;

/// <summary>
/// Returns one shared string per distinct short UTF-8 value, so reads that repeat the same names do not allocate a
/// string per record: a scan over millions of records (an instance per scan), and the names a record read back for a
/// delivery repeats — topic, lite topic, born host — through <see cref="Shared"/>, so each delivery allocates only what
/// is its own (message id, body). Thread-safe. Bounded: once full it is cleared and refills with the names in use, so
/// reads over more distinct names than it holds cost what decoding each one did, plus the lookup.
/// </summary>
internal sealed class Utf8StringCache
{
    private readonly int _maxEntries;
    private readonly int _maxBytes;
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public Utf8StringCache(int maxEntries = 1 << 16, int maxBytes = 256)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, 256);
        _maxEntries = maxEntries;
        _maxBytes = maxBytes;
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The process-wide cache of the names deliveries repeat.</summary>
    public static Utf8StringCache Shared { get; } = new(maxEntries: 4096, maxBytes: 128);

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > _maxBytes)
        {
            return RecordEncoder.Utf8.GetString(utf8);
        }

        // UTF-8 never decodes to more UTF-16 chars than it has bytes, so as many chars as bytes always suffice.
        Span<char> buffer = stackalloc char[256];
        var chars = buffer[..RecordEncoder.Utf8.GetChars(utf8, buffer)];
        if (_lookup.TryGetValue(chars, out var existing))
        {
            return existing;
        }

        if (_strings.Count >= _maxEntries)
        {
            _strings.Clear();
        }

        var value = new string(chars);
        return _strings.GetOrAdd(value, value);
    }
}
