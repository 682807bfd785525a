using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentBus.Broker.Topics;

/// <summary>Everything <see cref="MetadataStore"/> persists.</summary>
internal sealed record MetadataSnapshot(List<TopicDefinition> Topics, List<ConsumerGroupDefinition> Groups);

/// <summary>
/// Persists topic and group definitions as one JSON file, replaced atomically (write, fsync, rename), so a crash
/// leaves either the old or the new file, never a torn one.
/// </summary>
internal sealed class MetadataStore(string directory)
{
    private readonly string _path = Path.Combine(directory, "metadata.json");

    public MetadataSnapshot Load()
    {
        if (!File.Exists(_path))
        {
            return new MetadataSnapshot([], []);
        }

        using var stream = File.OpenRead(_path);
        return JsonSerializer.Deserialize(stream, MetadataJsonContext.Default.MetadataSnapshot) ?? new MetadataSnapshot([], []);
    }

    public void Save(MetadataSnapshot snapshot)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        string temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, snapshot, MetadataJsonContext.Default.MetadataSnapshot);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MetadataSnapshot))]
internal sealed partial class MetadataJsonContext : JsonSerializerContext;
