using System.Text;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Consumption;

/// <summary>
/// <c>offsets.journal</c>: the committed offsets that moved since <c>offsets.bin</c> was last written, and the queues
/// deleted since, appended and fsynced once per checkpoint tick, so a tick costs bytes in proportion to the cursors
/// that moved whatever the number of cursors.
/// <para>Layout: a 24-byte header (magic, format version, the epoch of the snapshot it continues, CRC-32 of those),
/// then records of <c>[payload length: u32][CRC-32 of length and payload: u32][payload]</c>. A payload is a run of
/// entries: <c>1, topic, lite topic, is lite, queue id, group, offset</c> (a cursor's committed offset) or
/// <c>2, topic, lite topic, is lite, queue id</c> (that queue was deleted: forget its cursors). One tick may span
/// several records (each up to <see cref="ChunkBytes"/>), so damage costs a bounded part of it.</para>
/// <para>Read: records up to the first one that is incomplete (a torn tail from a crash mid-append), fails its CRC or
/// does not parse; that record and everything after it are dropped (each entry states a whole offset, so what is left
/// is an earlier state: offsets only move back), and the next append truncates them away before writing. A journal with
/// a damaged header, or one of another epoch, holds nothing usable. Reading never changes the file.</para>
/// </summary>
internal sealed class OffsetJournal : IDisposable
{
    public const string FileName = "offsets.journal";

    /// <summary>Bytes of the file header.</summary>
    public const int HeaderSize = 24;

    /// <summary>A record is cut once its payload passes this.</summary>
    public const int ChunkBytes = 64 * 1024;

    private const uint Magic = 0x4A4F4241; // "ABOJ" little-endian
    private const ushort FormatVersion = 1;
    private const byte OffsetEntry = 1;
    private const byte RemovedEntry = 2;

    /// <summary>An entry is a few hundred bytes at most; a longer length field is damage, not a record.</summary>
    private const int MaxPayload = 4 * ChunkBytes;

    private readonly RecordJournal _journal;

    public OffsetJournal(string directory) =>
        _journal = new RecordJournal(directory, FileName, Magic, FormatVersion, MaxPayload, hasEpoch: true);

    public string Path => _journal.Path;

    /// <summary>Bytes of header and records the journal holds (what compaction is measured against).</summary>
    public long Length => _journal.Length;

    /// <summary>
    /// Reads the journal's entries, oldest first, when it continues the snapshot of <paramref name="epoch"/>; a journal
    /// of another epoch is left unread and replaced at the next append. Remembers where the intact part ends.
    /// </summary>
    public OffsetJournalLoad Read(long epoch)
    {
        var entries = new List<OffsetJournalEntry>();
        var read = _journal.Read(payload =>
        {
            int before = entries.Count;
            try
            {
                ParsePayload(payload, entries);
                return null;
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
            {
                entries.RemoveRange(before, entries.Count - before);
                return ex.Message;
            }
        }, epoch);
        return new OffsetJournalLoad(entries, read.ValidBytes, read.DroppedBytes, read.Problem, read.Epoch);
    }

    /// <summary>
    /// Appends the queues deleted and then the offsets that moved, in records of up to <see cref="ChunkBytes"/>, as one
    /// write, and fsyncs it; they are durable when this returns. Returns the bytes appended.
    /// </summary>
    public long Append(IReadOnlyList<MessageQueueKey> removed, IReadOnlyList<CommittedOffset> moved)
    {
        if (removed.Count == 0 && moved.Count == 0)
        {
            return 0;
        }

        using var buffer = new MemoryStream();
        using var payload = new MemoryStream(ChunkBytes + 1024);
        using var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true);
        foreach (var queue in removed)
        {
            writer.Write(RemovedEntry);
            WriteQueue(writer, queue.Topic, queue.LiteTopic, queue.QueueId);
            CutIfFull(writer, payload, buffer);
        }

        foreach (var offset in moved)
        {
            writer.Write(OffsetEntry);
            WriteQueue(writer, offset.Topic, offset.LiteTopic, offset.QueueId);
            writer.Write(offset.Group);
            writer.Write(offset.Offset);
            CutIfFull(writer, payload, buffer);
        }

        writer.Flush();
        if (payload.Length > 0)
        {
            Cut(payload, buffer);
        }

        _journal.Append(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return buffer.Length;
    }

    /// <summary>Empties the journal and makes it continue the snapshot of <paramref name="epoch"/>; durable on return.</summary>
    public void Reset(long epoch) => _journal.Reset(epoch);

    public void Dispose() => _journal.Dispose();

    private static void WriteQueue(BinaryWriter writer, string topic, string? liteTopic, int queueId)
    {
        writer.Write(topic);
        writer.Write(liteTopic ?? "");
        writer.Write(liteTopic is not null);
        writer.Write(queueId);
    }

    private static void CutIfFull(BinaryWriter writer, MemoryStream payload, MemoryStream buffer)
    {
        writer.Flush();
        if (payload.Length >= ChunkBytes)
        {
            Cut(payload, buffer);
        }
    }

    /// <summary>Frames what <paramref name="payload"/> holds as one record at the end of <paramref name="buffer"/>, and empties it.</summary>
    private static void Cut(MemoryStream payload, MemoryStream buffer)
    {
        RecordJournal.Frame(buffer, payload.GetBuffer().AsSpan(0, (int)payload.Length));
        payload.SetLength(0);
    }

    private static void ParsePayload(ArraySegment<byte> payload, List<OffsetJournalEntry> entries)
    {
        using var stream = new MemoryStream(payload.Array!, payload.Offset, payload.Count, writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        while (stream.Position < stream.Length)
        {
            byte kind = reader.ReadByte();
            if (kind is not (OffsetEntry or RemovedEntry))
            {
                throw new InvalidDataException($"unknown entry kind {kind}");
            }

            string topic = reader.ReadString();
            string lite = reader.ReadString();
            bool isLite = reader.ReadBoolean();
            int queueId = reader.ReadInt32();
            if (topic.Length == 0 || queueId < 0)
            {
                throw new InvalidDataException($"implausible queue '{topic}' {queueId}");
            }

            var queue = new MessageQueueKey(topic, isLite ? lite : null, queueId);
            if (kind == RemovedEntry)
            {
                entries.Add(new OffsetJournalEntry(queue, null, 0));
                continue;
            }

            string group = reader.ReadString();
            long offset = reader.ReadInt64();
            if (group.Length == 0 || offset < 0)
            {
                throw new InvalidDataException($"implausible entry for group '{group}' on '{topic}'");
            }

            entries.Add(new OffsetJournalEntry(queue, group, offset));
        }
    }
}

/// <summary>A queue by what names it on disk.</summary>
internal readonly record struct MessageQueueKey(string Topic, string? LiteTopic, int QueueId);

/// <summary>One journal entry: a cursor's committed offset, or (no group) the deletion of the queue.</summary>
internal readonly record struct OffsetJournalEntry(MessageQueueKey Queue, string? Group, long Offset);

/// <summary>What <see cref="OffsetJournal.Read"/> found.</summary>
/// <param name="Entries">The intact entries, oldest first (empty when the journal is of another epoch).</param>
/// <param name="ValidBytes">Bytes of header and intact records.</param>
/// <param name="DroppedBytes">Bytes after them that are not used (a torn or damaged tail, or a whole file with a bad header).</param>
/// <param name="Problem">Why reading stopped early; null when the whole file was read (or there is none).</param>
/// <param name="Epoch">The epoch in the journal's header; null without a readable header.</param>
internal sealed record OffsetJournalLoad(IReadOnlyList<OffsetJournalEntry> Entries, long ValidBytes, long DroppedBytes, string? Problem, long? Epoch);
