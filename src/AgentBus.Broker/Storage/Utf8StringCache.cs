namespace AgentBus.Broker.Storage;

/// <summary>
/// Returns one shared string per distinct short UTF-8 value, so a scan over millions of records that repeat the same
/// topics does not allocate a string per record. Bounded: cleared when it grows past <see cref="MaxEntries"/>.
/// Not thread-safe; one instance per scan.
/// </summary>
internal sealed class Utf8StringCache
{
    private const int MaxEntries = 1 << 16;
    private const int MaxBytes = 256;

    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public Utf8StringCache() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxBytes)
        {
            return RecordEncoder.Utf8.GetString(utf8);
        }

        // UTF-8 never decodes to more UTF-16 chars than it has bytes, so MaxBytes chars always suffice.
        Span<char> buffer = stackalloc char[MaxBytes];
        var chars = buffer[..RecordEncoder.Utf8.GetChars(utf8, buffer)];
        if (_lookup.TryGetValue(chars, out var existing))
        {
            return existing;
        }

        if (_strings.Count >= MaxEntries)
        {
            _strings.Clear();
        }

        var value = new string(chars);
        _strings.Add(value);
        return value;
    }
}
