using System.Text;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Consumption;

/// <summary>One persisted committed offset.</summary>
internal readonly record struct CommittedOffset(string Topic, string? LiteTopic, int QueueId, string Group, long Offset);

/// <summary>
/// Persists every cursor's committed offset to <c>offsets.bin</c> through <see cref="StateFile"/> (checksummed,
/// replaced atomically, previous copy kept). Offsets acknowledged after the last checkpoint are redelivered after a
/// crash (at-least-once), never lost. The payload keeps the layout <c>offsets.bin</c> had before the state file
/// header existed ("OFFS", then records, then a 0 byte), so a file from that format is read once and rewritten.
/// </summary>
internal sealed class OffsetCheckpoint(string directory, TimeProvider time)
{
    public const string FileName = "offsets.bin";
    private const int Magic = 0x4F464653; // "OFFS"
    private const byte RecordMarker = 1;
    private const byte EndMarker = 0;

    private readonly StateFile _file = new(directory, FileName, StateFileKind.ConsumerOffsets, time);

    public string Path => _file.Path;

    public void Save(IEnumerable<MessageQueue> queues) => _file.Write(stream =>
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
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
    });

    public StateFileLoad<List<CommittedOffset>> Load() =>
        _file.Load((bytes, offset, count) => Parse(bytes, offset, count), bytes => Parse(bytes, 0, bytes.Length));

    private static List<CommittedOffset> Parse(byte[] bytes, int start, int count)
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

        // The legacy format has no checksum: insist on its exact structure, the most it can be checked for.
        if (marker != EndMarker || stream.Position != stream.Length)
        {
            throw new InvalidDataException("entries do not end where the file does");
        }

        return offsets;
    }
}
