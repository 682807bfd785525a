using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Queues;

/// <summary>The checkpoint's payload inside the file's bytes (no copy: the file can be hundreds of MiB).</summary>
internal sealed record IndexPayload(byte[] Bytes, int Offset, int Count);

/// <summary>What loading the index checkpoint found.</summary>
/// <param name="ScanFrom">Position to scan the log from, or null when the checkpoint was not usable (scan everything).</param>
/// <param name="File">Which copy was read and what was wrong with the others.</param>
/// <param name="CheckpointPosition">The durable log position the checkpoint was written at, when it could be read.</param>
/// <param name="MessagesBeyondLog">Indexed messages at or after the end of the log found: messages the log lost.</param>
/// <param name="QueuesBeyondLog">Queues with such messages.</param>
internal sealed record IndexLoad(long? ScanFrom, StateFileLoad<IndexPayload> File, long? CheckpointPosition, long MessagesBeyondLog, int QueuesBeyondLog);

/// <summary>
/// Persists every queue index up to a durable commit-log position, so a restart loads the indexes and scans only the
/// log written after that position instead of the whole log. The file (<c>index.checkpoint</c>) is a
/// <see cref="StateFile"/>: checksummed, replaced atomically, previous copy kept. It is a cache: a missing, damaged or
/// outdated file (including one in the format before the state file header) only means a longer scan.
/// </summary>
internal sealed class IndexCheckpoint(string directory, TimeProvider time)
{
    public const string FileName = "index.checkpoint";
    private const int Magic = 0x58444E49; // "INDX"
    private const int Version = 2;        // 1 was the same layout with a CRC-32 trailer and no state file header

    private readonly StateFile _file = new(directory, FileName, StateFileKind.QueueIndexes, time);

    public string Path => _file.Path;

    /// <summary>Writes the indexes of <paramref name="queues"/>, keeping only entries below <paramref name="durablePosition"/>.</summary>
    public void Save(IEnumerable<ConsumeQueue> queues, long durablePosition) => _file.Write(stream =>
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(durablePosition);
        long[] buffer = ArrayPool<long>.Shared.Rent(1024);
        try
        {
            foreach (var queue in queues)
            {
                buffer = WriteQueue(writer, queue, durablePosition, buffer);
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(buffer);
        }

        writer.Write((byte)0);
    });

    /// <summary>
    /// Loads the indexes into <paramref name="table"/> and says where to scan the log from (null: no usable checkpoint,
    /// the caller clears the table and scans everything). Entries below <paramref name="logStart"/> (deleted by
    /// retention since) are dropped; a checkpoint beyond <paramref name="logEnd"/> is refused and its entries past the
    /// end are counted: they are messages the log lost.
    /// </summary>
    public IndexLoad Load(QueueTable table, long logStart, long logEnd) => Load(table, logStart, logEnd, countOnly: false);

    /// <summary>Counts the checkpoint's messages at or after <paramref name="logEnd"/> without loading anything.</summary>
    public IndexLoad CountBeyond(long logEnd) => Load(null, 0, logEnd, countOnly: true);

    private IndexLoad Load(QueueTable? table, long logStart, long logEnd, bool countOnly)
    {
        // The legacy file (no state file header) is ignored: a cache, rebuilt by the scan and rewritten at shutdown.
        var file = _file.Load<IndexPayload>((bytes, offset, count) => new IndexPayload(bytes, offset, count), static _ => null!);
        if (file.Value is null)
        {
            return new IndexLoad(null, file, null, 0, 0);
        }

        using var reader = new BinaryReader(new MemoryStream(file.Value.Bytes, file.Value.Offset, file.Value.Count, writable: false), Encoding.UTF8);
        if (reader.ReadInt32() != Magic || reader.ReadInt32() != Version)
        {
            throw new InvalidDataException($"'{Path}' is not a version {Version} index checkpoint.");
        }

        long position = reader.ReadInt64();
        if (position > logEnd)
        {
            var (messages, queues) = CountBeyond(reader, logEnd);
            return new IndexLoad(null, file, position, messages, queues);
        }

        if (countOnly)
        {
            return new IndexLoad(null, file, position, 0, 0);
        }

        long[] entries = ArrayPool<long>.Shared.Rent(64);
        try
        {
            while (reader.ReadByte() == 1)
            {
                RestoreQueue(reader, table!, logStart, ref entries);
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(entries);
        }

        return new IndexLoad(Math.Max(position, logStart), file, position, 0, 0);
    }

    /// <summary>Reads one queue's entry and hands its positions to the queue, read first into <paramref name="entries"/>.</summary>
    private static void RestoreQueue(BinaryReader reader, QueueTable table, long logStart, ref long[] entries)
    {
        string topic = reader.ReadString();
        string? lite = reader.ReadBoolean() ? reader.ReadString() : null;
        int queueId = reader.ReadInt32();
        long lastWrite = reader.ReadInt64();
        long minOffset = reader.ReadInt64();
        int count = Math.Max(0, reader.ReadInt32()); // a negative count restores an empty index, as it always did
        var queue = lite is not null
            ? table.GetOrCreateLiteForRecovery(topic, lite, lastWrite)
            : table.GetOrCreateNormal(topic, queueId + 1, lastWrite)[queueId];
        if ((ulong)count * sizeof(long) > (ulong)(reader.BaseStream.Length - reader.BaseStream.Position))
        {
            throw new EndOfStreamException($"An index checkpoint entry claims {count} positions past the end of the file.");
        }

        if (count > entries.Length)
        {
            ArrayPool<long>.Shared.Return(entries);
            entries = ArrayPool<long>.Shared.Rent(count);
        }

        for (int i = 0; i < count; i++)
        {
            entries[i] = reader.ReadInt64();
        }

        queue.RestoreIndex(minOffset, entries.AsSpan(0, count), logStart, lastWrite);
    }

    /// <summary>Counts the indexed messages at or after <paramref name="logEnd"/> without loading anything.</summary>
    private static (long Messages, int Queues) CountBeyond(BinaryReader reader, long logEnd)
    {
        long messages = 0;
        int queues = 0;
        while (reader.ReadByte() == 1)
        {
            _ = reader.ReadString();
            if (reader.ReadBoolean())
            {
                _ = reader.ReadString();
            }

            reader.BaseStream.Seek(4 + 8 + 8, SeekOrigin.Current);
            int count = reader.ReadInt32();
            long beyond = 0;
            for (int i = 0; i < count; i++)
            {
                beyond += reader.ReadInt64() >= logEnd ? 1 : 0;
            }

            messages += beyond;
            queues += beyond > 0 ? 1 : 0;
        }

        return (messages, queues);
    }

    private static long[] WriteQueue(BinaryWriter writer, ConsumeQueue queue, long durablePosition, long[] buffer)
    {
        if (queue.Deleted)
        {
            return buffer;
        }

        int count = queue.CopyDurablePositions(durablePosition, ref buffer, out long minOffset, out long lastWrite);

        writer.Write((byte)1);
        writer.Write(queue.Topic);
        writer.Write(queue.LiteTopic is not null);
        if (queue.LiteTopic is not null)
        {
            writer.Write(queue.LiteTopic);
        }

        writer.Write(queue.QueueId);
        writer.Write(lastWrite);
        writer.Write(minOffset);
        writer.Write(count);
        writer.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, count)));
        return buffer;
    }
}
