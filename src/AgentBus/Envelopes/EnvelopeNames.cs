using System.Collections.Concurrent;

namespace AgentBus.Envelopes;

/// <summary>
/// The envelope values that repeat from message to message — sender, addressee, reply-to topic — read once and
/// shared, so an arriving message allocates strings only for what is its own (message and request ids). Bounded: once
/// full it is cleared and refills with the names in use.
/// </summary>
internal static class EnvelopeNames
{
    private const int MaxEntries = 4096;
    private const int MaxLength = 128;

    private static readonly ConcurrentDictionary<string, string> Names = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Names.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Get(ReadOnlySpan<char> text)
    {
        if (text.Length > MaxLength)
        {
            return text.ToString();
        }

        if (Lookup.TryGetValue(text, out var existing))
        {
            return existing;
        }

        if (Names.Count >= MaxEntries)
        {
            Names.Clear();
        }

        var name = text.ToString();
        return Names.GetOrAdd(name, name);
    }
}
