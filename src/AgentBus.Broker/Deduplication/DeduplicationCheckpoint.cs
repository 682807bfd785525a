using System.Text;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Deduplication;

/// <summary>What <c>dedupe.window</c> held: the keys of messages that end at or before <paramref name="CoveredPosition"/>.</summary>
internal sealed record DeduplicationSnapshot(long CoveredPosition, List<DeduplicationWindow.Entry> Entries);

/// <summary>
/// Persists the deduplication window (<c>dedupe.window</c>, a <see cref="StateFile"/>) next to the index checkpoint,
/// so a re-send after a broker restart is still recognised: recovery restores the saved keys and adds those of the
/// log written after <see cref="DeduplicationSnapshot.CoveredPosition"/>. Written just before the index checkpoint
/// and at the same position, so a crash between the two leaves it newer, never older, than the scan start.
/// </summary>
internal sealed class DeduplicationCheckpoint(string directory, TimeProvider time)
{
    public const string FileName = "dedupe.window";
    private const int Magic = 0x50554444; // "DDUP"
    private const int Version = 1;

    private readonly StateFile _file = new(directory, FileName, StateFileKind.Deduplication, time);

    public string Path => _file.Path;

    public void Save(IReadOnlyList<DeduplicationWindow.Entry> entries, long coveredPosition) => _file.Write(stream =>
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(coveredPosition);
        writer.Write(entries.Count);
        foreach (var entry in entries)
        {
            writer.Write(entry.Topic);
            writer.Write(entry.LiteTopic);
            writer.Write(entry.DedupeKey);
            writer.Write(entry.Stored.MessageId);
            writer.Write(entry.Stored.QueueId);
            writer.Write(entry.Stored.Offset);
            writer.Write(entry.Stored.End);
            writer.Write(entry.ExpiresAt);
        }
    });

    /// <summary>The saved window, or null (with what was wrong in <paramref name="load"/>) when no copy is usable.</summary>
    public DeduplicationSnapshot? Load(out StateFileLoad<DeduplicationSnapshot?> load)
    {
        load = _file.Load<DeduplicationSnapshot?>(Parse);
        return load.Value;
    }

    private static DeduplicationSnapshot? Parse(byte[] bytes, int offset, int count)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, offset, count, writable: false), Encoding.UTF8);
        if (reader.ReadInt32() != Magic || reader.ReadInt32() != Version)
        {
            throw new InvalidDataException($"not a version {Version} deduplication window");
        }

        long covered = reader.ReadInt64();
        int n = reader.ReadInt32();
        if (n < 0 || n > count / 8)
        {
            throw new InvalidDataException($"an entry count of {n} does not fit the file");
        }

        var entries = new List<DeduplicationWindow.Entry>(n);
        for (int i = 0; i < n; i++)
        {
            string topic = reader.ReadString(), lite = reader.ReadString(), key = reader.ReadString(), messageId = reader.ReadString();
            var stored = new DeduplicationWindow.Stored(messageId, reader.ReadInt32(), reader.ReadInt64(), reader.ReadInt64());
            entries.Add(new DeduplicationWindow.Entry(topic, lite, key, stored, reader.ReadInt64()));
        }

        return new DeduplicationSnapshot(covered, entries);
    }
}
