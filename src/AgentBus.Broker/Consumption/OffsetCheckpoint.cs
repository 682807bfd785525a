using System.Text;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Consumption;

/// <summary>One persisted committed offset.</summary>
internal readonly record struct CommittedOffset(string Topic, string? LiteTopic, int QueueId, string Group, long Offset);

/// <summary>The full set of committed offsets in <c>offsets.bin</c>, and the epoch the journal continuing it carries.</summary>
internal sealed record OffsetSnapshot(List<CommittedOffset> Offsets, long Epoch);

/// <summary>What <see cref="OffsetCheckpoint.Load"/> found: the snapshot, the journal, and the offsets both add up to.</summary>
internal sealed record OffsetsLoad(StateFileLoad<OffsetSnapshot> Snapshot, OffsetJournalLoad Journal, IReadOnlyList<CommittedOffset> Offsets);

/// <summary>
/// Persists committed offsets in two files. <c>offsets.bin</c>, a <see cref="StateFile"/> (checksummed, replaced
/// atomically, previous copy kept), holds every cursor's offset; <see cref="OffsetJournal"/> (<c>offsets.journal</c>)
/// holds, per checkpoint tick, only the cursors whose offset moved since the tick before, and the queues deleted since.
/// Once the journal passes its bound (the larger of <c>journalLimit</c> and the last snapshot's size, so rewriting
/// the snapshot never costs more than the journal bytes it replaces) and at clean shutdown, the snapshot is written
/// anew and the journal emptied. Recovery reads the snapshot and replays the journal on it.
/// <para>Each snapshot has an epoch, one more than the one before; the journal's header names the epoch it continues,
/// and is replayed only on that snapshot. A crash between writing a snapshot and emptying the journal leaves a journal
/// of the epoch before, which is then ignored (the snapshot holds all of it); after a fallback to an older copy of the
/// snapshot the newer journal is ignored too. So replay never puts an offset of a queue that was deleted and
/// re-created onto the new queue, and never applies older offsets over newer ones.</para>
/// <para>Offsets acknowledged after the last tick are redelivered after a crash (at-least-once), never lost; a damaged
/// journal tail or snapshot only moves offsets back. The snapshot's payload keeps the layout <c>offsets.bin</c> had
/// before the state file header existed ("OFFS", then records, then a 0 byte), followed by the epoch, so a file from
/// that format (epoch 0) is read once and rewritten.</para>
/// </summary>
internal sealed class OffsetCheckpoint(string directory, TimeProvider time, long journalLimit) : IDisposable
{
    public const string FileName = "offsets.bin";
    private const int Magic = 0x4F464653; // "OFFS"
    private const byte RecordMarker = 1;
    private const byte EndMarker = 0;

    private readonly StateFile _file = new(directory, FileName, StateFileKind.ConsumerOffsets, time);
    private readonly OffsetJournal _journal = new(directory);
    private long _epoch;         // of the snapshot on disk, which the journal continues
    private long _snapshotBytes; // size of the last snapshot read or written

    public string Path => _file.Path;

    public string JournalPath => _journal.Path;

    /// <summary>Bytes the journal holds now.</summary>
    public long JournalLength => _journal.Length;

    /// <summary>Whether the journal passed its bound, so the next checkpoint should write the snapshot instead.</summary>
    public bool JournalFull => _journal.Length > Math.Max(journalLimit, _snapshotBytes);

    /// <summary>Bytes written to both files so far (snapshots and journal appends).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Snapshots written so far.</summary>
    public long SnapshotsWritten { get; private set; }

    /// <summary>
    /// Reads the snapshot and replays the journal on it, when the journal continues the copy that was read. Without an
    /// intact copy of the snapshot the journal is not replayed (its base is unknown).
    /// </summary>
    public OffsetsLoad Load()
    {
        var snapshot = _file.Load((bytes, offset, count) => Parse(bytes, offset, count), bytes => Parse(bytes, 0, bytes.Length));
        bool lost = snapshot.Copy == StateFileCopy.None && snapshot.Problems.Count > 0;
        long epoch = snapshot.Value?.Epoch ?? 0;
        _snapshotBytes = snapshot.LoadedPath is { } loaded && File.Exists(loaded) ? new FileInfo(loaded).Length : 0;
        var journal = _journal.Read(lost ? -1 : epoch);
        _epoch = lost ? Math.Max(0, journal.Epoch ?? 0) : epoch;
        if (lost || journal.Entries.Count == 0)
        {
            return new OffsetsLoad(snapshot, journal, snapshot.Value?.Offsets ?? []);
        }

        return new OffsetsLoad(snapshot, journal, Replay(snapshot.Value?.Offsets ?? [], journal.Entries));
    }

    /// <summary>
    /// The offsets the snapshot and the journal add up to: per cursor the last entry written, minus what a later deletion
    /// of its queue forgot. Only the journal is indexed (the snapshot is looked up once per entry, never copied into a
    /// map): the journal holds at most its bound, while the snapshot may hold every cursor of a million lite topics.
    /// </summary>
    internal static List<CommittedOffset> Replay(List<CommittedOffset> snapshot, IReadOnlyList<OffsetJournalEntry> entries)
    {
        // The newest entry per cursor with its position in the journal, and per deleted queue the position of its last deletion.
        var latest = new Dictionary<CursorKey, (long Offset, int At)>(entries.Count);
        Dictionary<MessageQueueKey, int>? deletedAt = null;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Group is null)
            {
                (deletedAt ??= [])[entry.Queue] = i;
            }
            else
            {
                latest[new CursorKey(entry.Queue, entry.Group)] = (entry.Offset, i);
            }
        }

        var offsets = new List<CommittedOffset>(snapshot.Count + latest.Count);
        foreach (var committed in snapshot)
        {
            var queue = new MessageQueueKey(committed.Topic, committed.LiteTopic, committed.QueueId);
            // Every journal entry is newer than the snapshot: a later offset, or the queue's deletion, supersedes it.
            if (!latest.ContainsKey(new CursorKey(queue, committed.Group)) && deletedAt?.ContainsKey(queue) != true)
            {
                offsets.Add(committed);
            }
        }

        foreach (var (cursor, (offset, at)) in latest)
        {
            if (deletedAt is null || !deletedAt.TryGetValue(cursor.Queue, out int deleted) || deleted < at)
            {
                offsets.Add(new CommittedOffset(cursor.Queue.Topic, cursor.Queue.LiteTopic, cursor.Queue.QueueId, cursor.Group, offset));
            }
        }

        return offsets;
    }

    private readonly record struct CursorKey(MessageQueueKey Queue, string Group);

    /// <summary>Appends one tick's changes to the journal (fsynced when this returns).</summary>
    public void Append(IReadOnlyList<MessageQueueKey> removed, IReadOnlyList<CommittedOffset> moved) =>
        BytesWritten += _journal.Append(removed, moved);

    /// <summary>
    /// Writes every cursor's offset as a new snapshot of the next epoch, then empties the journal. A crash between the
    /// two leaves a journal of the epoch before, which recovery ignores.
    /// </summary>
    public void Compact(IEnumerable<ConsumeQueue> queues)
    {
        long epoch = _epoch + 1;
        _file.Write(stream =>
        {
            // Buffered: the hashing stream under it would otherwise hash and copy each field on its own.
            using var buffered = new BufferedStream(stream, 1 << 16);
            using var writer = new BinaryWriter(buffered, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            foreach (var queue in queues)
            {
                if (queue.Deleted)
                {
                    continue;
                }

                foreach (var cursor in queue.Cursors)
                {
                    long offset = queue.CommittedOffsetOf(cursor);
                    writer.Write(RecordMarker);
                    writer.Write(queue.Topic);
                    writer.Write(queue.LiteTopic ?? "");
                    writer.Write(queue.IsLite);
                    writer.Write(queue.QueueId);
                    writer.Write(cursor.Group);
                    writer.Write(offset);
                }
            }

            writer.Write(EndMarker);
            writer.Write(epoch);
            writer.Flush();
        });
        _epoch = epoch;
        _snapshotBytes = new FileInfo(Path).Length;
        BytesWritten += _snapshotBytes;
        SnapshotsWritten++;
        _journal.Reset(epoch);
        BytesWritten += OffsetJournal.HeaderSize;
    }

    public void Dispose() => _journal.Dispose();

    private static OffsetSnapshot Parse(byte[] bytes, int start, int count)
    {
        var offsets = new List<CommittedOffset>();
        using var stream = new MemoryStream(bytes, start, count, writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (count < 4 || reader.ReadInt32() != Magic)
        {
            throw new InvalidDataException("not an offsets checkpoint");
        }

        byte marker;
        while ((marker = reader.ReadByte()) == RecordMarker)
        {
            string topic = reader.ReadString();
            string lite = reader.ReadString();
            bool isLite = reader.ReadBoolean();
            int queueId = reader.ReadInt32();
            string group = reader.ReadString();
            long offset = reader.ReadInt64();
            if (offset < 0 || queueId < 0 || topic.Length == 0 || group.Length == 0)
            {
                throw new InvalidDataException($"implausible entry for group '{group}' on '{topic}'");
            }

            offsets.Add(new CommittedOffset(topic, isLite ? lite : null, queueId, group, offset));
        }

        if (marker != EndMarker)
        {
            throw new InvalidDataException("entries do not end where the file does");
        }

        // The epoch follows the end marker; a file from before the journal (or the legacy format) ends at it: epoch 0.
        long remaining = stream.Length - stream.Position;
        long epoch = remaining switch
        {
            0 => 0,
            sizeof(long) => reader.ReadInt64(),
            // The legacy format has no checksum: insist on its exact structure, the most it can be checked for.
            _ => throw new InvalidDataException("entries do not end where the file does"),
        };
        return epoch < 0 ? throw new InvalidDataException($"implausible epoch {epoch}") : new OffsetSnapshot(offsets, epoch);
    }
}
