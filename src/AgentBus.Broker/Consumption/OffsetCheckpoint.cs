using System.Text;
using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Consumption;

/// <summary>One persisted committed offset.</summary>
internal readonly record struct CommittedOffset(string Topic, string? LiteTopic, int QueueId, string Group, long Offset);

/// <summary>
/// Persists every cursor's committed offset to <c>offsets.bin</c>, replaced atomically. Offsets acknowledged after
/// the last checkpoint are redelivered after a crash (at-least-once), never lost.
/// </summary>
internal sealed class OffsetCheckpoint(string directory)
{
    private const int Magic = 0x4F464653; // "OFFS"
    private readonly string _path = Path.Combine(directory, "offsets.bin");

    public void Save(IEnumerable<MessageQueue> queues)
    {
        string temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            foreach (var queue in queues)
            {
                if (queue.Deleted)
                {
                    continue;
                }

                foreach (var cursor in queue.Cursors)
                {
                    long offset;
                    lock (queue)
                    {
                        offset = cursor.CommittedOffset;
                    }

                    writer.Write((byte)1);
                    writer.Write(queue.Topic);
                    writer.Write(queue.LiteTopic ?? "");
                    writer.Write(queue.IsLite);
                    writer.Write(queue.QueueId);
                    writer.Write(cursor.Group);
                    writer.Write(offset);
                }
            }

            writer.Write((byte)0);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }

    public List<CommittedOffset> Load()
    {
        var offsets = new List<CommittedOffset>();
        if (!File.Exists(_path))
        {
            return offsets;
        }

        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (stream.Length < 4 || reader.ReadInt32() != Magic)
        {
            throw new InvalidDataException($"'{_path}' is not an offsets checkpoint.");
        }

        while (reader.ReadByte() == 1)
        {
            string topic = reader.ReadString();
            string lite = reader.ReadString();
            bool isLite = reader.ReadBoolean();
            int queueId = reader.ReadInt32();
            string group = reader.ReadString();
            long offset = reader.ReadInt64();
            offsets.Add(new CommittedOffset(topic, isLite ? lite : null, queueId, group, offset));
        }

        return offsets;
    }
}
