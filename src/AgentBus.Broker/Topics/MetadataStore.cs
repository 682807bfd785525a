using System.Text.Json;
using System.Text.Json.Serialization;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Topics;

/// <summary>Everything <see cref="MetadataStore"/> persists.</summary>
internal sealed record MetadataSnapshot(List<TopicDefinition> Topics, List<ConsumerGroupDefinition> Groups);

/// <summary>
/// Persists topic and group definitions as one JSON document in <c>metadata.json</c>, a <see cref="StateFile"/>
/// (checksummed header, replaced atomically, previous copy kept). A plain JSON file, the format before the header, is
/// read once and rewritten. Without an intact copy the broker refuses to start rather than forget definitions.
/// </summary>
internal sealed class MetadataStore(string directory, TimeProvider time)
{
    public const string FileName = "metadata.json";

    private readonly StateFile _file = new(directory, FileName, StateFileKind.Metadata, time);

    public string Path => _file.Path;

    /// <summary>What the last <see cref="Load"/> found; the engine logs it once it knows what the log holds.</summary>
    public StateFileLoad<MetadataSnapshot>? LastLoad { get; private set; }

    /// <exception cref="BrokerException"><see cref="BrokerErrorCode.Unavailable"/> when the file exists but neither it
    /// nor an older copy is intact.</exception>
    public MetadataSnapshot Load()
    {
        var load = _file.Load((bytes, offset, count) => Parse(bytes.AsSpan(offset, count)), bytes => Parse(bytes));
        LastLoad = load;
        if (load.Value is not null)
        {
            return load.Value;
        }

        if (load.Problems.Count == 0)
        {
            return new MetadataSnapshot([], []); // a new broker
        }

        throw new BrokerException(BrokerErrorCode.Unavailable,
            $"The broker does not start: topic and group definitions in '{Path}' are unreadable ({load.Describe()}) and no intact copy " +
            $"({FileName}.prev, {FileName}.tmp) exists. Restore {FileName} from a backup; or, to start without definitions " +
            $"(topics and groups are re-created by AutoCreate or the configured declarations, with default settings), move " +
            $"{FileName}, {FileName}.prev and {FileName}.tmp out of '{directory}'.");
    }

    public void Save(MetadataSnapshot snapshot) =>
        _file.Write(stream => JsonSerializer.Serialize(stream, snapshot, MetadataJsonContext.Default.MetadataSnapshot));

    private static MetadataSnapshot Parse(ReadOnlySpan<byte> json)
    {
        var snapshot = JsonSerializer.Deserialize(json, MetadataJsonContext.Default.MetadataSnapshot)
            ?? throw new InvalidDataException("the document is null");
        return snapshot.Topics is null || snapshot.Groups is null ? throw new InvalidDataException("topics or groups missing") : snapshot;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MetadataSnapshot))]
internal sealed partial class MetadataJsonContext : JsonSerializerContext;
