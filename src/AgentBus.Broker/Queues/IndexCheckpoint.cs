using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using AgentBus.Broker.Lite;

namespace AgentBus.Broker.Queues;

/// <summary>
/// Persists every queue index up to a durable commit-log position, so a restart loads the indexes and scans only the
/// log written after that position instead of the whole log. The file (<c>index.checkpoint</c>) is replaced
/// atomically and ends with a CRC-32 of its content; a missing, damaged or outdated file means a full scan.
/// </summary>
internal sealed class IndexCheckpoint(string directory)
{
    private const int Magic = 0x58444E49; // "INDX"
    private const int Version = 1;
    private readonly string _path = Path.Combine(directory, "index.checkpoint");

    /// <summary>Writes the indexes of <paramref name="queues"/>, keeping only entries below <paramref name="durablePosition"/>.</summary>
    public void Save(IEnumerable<MessageQueue> queues, long durablePosition)
    {
        string temp = _path + ".tmp";
        var crc = new Crc32();
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            using (var hashing = new HashingStream(file, crc))
            using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
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
            }

            file.Write(BitConverter.GetBytes(crc.GetCurrentHashAsUInt32()));
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }

    /// <summary>
    /// Loads the indexes into <paramref name="table"/> and returns the position to scan the log from, or null when
    /// there is no usable checkpoint (the caller then scans everything). Entries below <paramref name="logStart"/>
    /// (deleted by retention since) are dropped; a checkpoint beyond <paramref name="logEnd"/> is refused.
    /// </summary>
    public long? Load(QueueTable table, long logStart, long logEnd)
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        byte[] content = File.ReadAllBytes(_path);
        if (content.Length < 4 + 4 + 8 + 1 + 4
            || Crc32.HashToUInt32(content.AsSpan(0, content.Length - 4)) != BitConverter.ToUInt32(content, content.Length - 4))
        {
            return null;
        }

        using var reader = new BinaryReader(new MemoryStream(content, 0, content.Length - 4, writable: false), Encoding.UTF8);
        if (reader.ReadInt32() != Magic || reader.ReadInt32() != Version)
        {
            return null;
        }

        long position = reader.ReadInt64();
        if (position > logEnd)
        {
            return null; // the log lost its tail since: the checkpoint describes records that are gone
        }

        while (reader.ReadByte() == 1)
        {
            string topic = reader.ReadString();
            string? lite = reader.ReadBoolean() ? reader.ReadString() : null;
            int queueId = reader.ReadInt32();
            long lastWrite = reader.ReadInt64();
            long minOffset = reader.ReadInt64();
            int count = reader.ReadInt32();
            var queue = lite is not null
                ? table.GetOrCreateLiteForRecovery(topic, lite, lastWrite)
                : table.GetOrCreateNormal(topic, queueId + 1, lastWrite)[queueId];
            lock (queue)
            {
                queue.ResetIndexLocked(minOffset);
                long offset = minOffset;
                for (int i = 0; i < count; i++, offset++)
                {
                    long entry = reader.ReadInt64();
                    if (entry < logStart)
                    {
                        queue.ResetIndexLocked(offset + 1); // deleted by retention after the checkpoint
                    }
                    else
                    {
                        queue.AppendPositionLocked(entry);
                    }
                }

                queue.LastWriteTimestamp = lastWrite;
            }
        }

        return Math.Max(position, logStart);
    }

    private static long[] WriteQueue(BinaryWriter writer, MessageQueue queue, long durablePosition, long[] buffer)
    {
        if (queue.Deleted)
        {
            return buffer;
        }

        int count;
        long minOffset, lastWrite;
        lock (queue)
        {
            count = queue.CountBelowPositionLocked(durablePosition);
            if (count > buffer.Length)
            {
                ArrayPool<long>.Shared.Return(buffer);
                buffer = ArrayPool<long>.Shared.Rent(count);
            }

            queue.CopyPositionsLocked(buffer, count);
            minOffset = queue.MinOffsetLocked;
            lastWrite = queue.LastWriteTimestamp;
        }

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

    /// <summary>Feeds everything written through it to a running CRC.</summary>
    private sealed class HashingStream(Stream inner, Crc32 crc) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            crc.Append(buffer);
            inner.Write(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            // The inner stream belongs to the caller.
            base.Dispose(disposing);
        }
    }
}
