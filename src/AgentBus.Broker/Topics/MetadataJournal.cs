using System.Text.Json;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Topics;

/// <summary>
/// <c>metadata.journal</c>: the definition changes made since <c>metadata.json</c> was last written, appended and
/// fsynced one call at a time, so a change costs one small append whatever the number of definitions.
/// <para>Layout: a 16-byte header (magic, format version, CRC-32 of both), then records of
/// <c>[payload length: u32][CRC-32 of length and payload: u32][payload: UTF-8 JSON of a <see cref="MetadataChange"/>]</c>.</para>
/// <para>Read: records up to the first one that is incomplete (a torn tail from a crash mid-append), fails its CRC or
/// does not parse; that record and everything after it are dropped, and the next append truncates them away before
/// writing. A journal with a damaged header holds nothing usable. Reading never changes the file.</para>
/// </summary>
internal sealed class MetadataJournal : IDisposable
{
    public const string FileName = "metadata.journal";

    /// <summary>Bytes of the file header.</summary>
    public const int HeaderSize = 16;

    /// <summary>Bytes in front of each record's payload.</summary>
    public const int RecordHeaderSize = RecordJournal.RecordHeaderSize;

    private const uint Magic = 0x4A4D4241; // "ABMJ" little-endian
    private const ushort FormatVersion = 1;

    /// <summary>A definition is a few hundred bytes; a longer length field is damage, not a record.</summary>
    private const int MaxPayload = 1 << 20;

    private readonly RecordJournal _journal;

    public MetadataJournal(string directory) =>
        _journal = new RecordJournal(directory, FileName, Magic, FormatVersion, MaxPayload, hasEpoch: false);

    public string Path => _journal.Path;

    /// <summary>Bytes of header and records the journal holds (what compaction is measured against).</summary>
    public long Length => _journal.Length;

    /// <summary>Reads the journal's changes, oldest first. Remembers where the intact part ends for the next append.</summary>
    public MetadataJournalLoad Read()
    {
        var changes = new List<MetadataChange>();
        var read = _journal.Read(payload =>
        {
            try
            {
                var change = JsonSerializer.Deserialize(payload.AsSpan(), MetadataChangeJsonContext.Default.MetadataChange)
                    ?? throw new InvalidDataException("the record is null");
                change.ApplyTo(new Dictionary<string, TopicDefinition>(), new Dictionary<string, ConsumerGroupDefinition>()); // checks its shape
                changes.Add(change);
                return null;
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
            {
                return ex.Message;
            }
        });
        return new MetadataJournalLoad(changes, read.ValidBytes, read.DroppedBytes, read.Problem);
    }

    /// <summary>Appends <paramref name="changes"/> as one write and fsyncs it; they are durable when this returns.</summary>
    public void Append(IReadOnlyList<MetadataChange> changes)
    {
        using var buffer = new MemoryStream();
        foreach (var change in changes)
        {
            RecordJournal.Frame(buffer, JsonSerializer.SerializeToUtf8Bytes(change, MetadataChangeJsonContext.Default.MetadataChange));
        }

        _journal.Append(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Empties the journal (after its changes went into the full file), keeping the header; durable on return.</summary>
    public void Reset() => _journal.Reset();

    public void Dispose() => _journal.Dispose();
}

/// <summary>What <see cref="MetadataJournal.Read"/> found.</summary>
/// <param name="Changes">The intact changes, oldest first.</param>
/// <param name="ValidBytes">Bytes of header and intact records.</param>
/// <param name="DroppedBytes">Bytes after them that are not used (a torn or damaged tail, or a whole file with a bad header).</param>
/// <param name="Problem">Why reading stopped early; null when the whole file was read (or there is none).</param>
internal sealed record MetadataJournalLoad(IReadOnlyList<MetadataChange> Changes, long ValidBytes, long DroppedBytes, string? Problem);
