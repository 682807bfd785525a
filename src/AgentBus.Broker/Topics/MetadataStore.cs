using System.Text.Json;
using System.Text.Json.Serialization;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentBus.Broker.Topics;

/// <summary>Everything <see cref="MetadataStore"/> persists.</summary>
internal sealed record MetadataSnapshot(List<TopicDefinition> Topics, List<ConsumerGroupDefinition> Groups);

/// <summary>
/// Persists topic and group definitions: the full set as one JSON document in <c>metadata.json</c>, a
/// <see cref="StateFile"/> (checksummed header, replaced atomically, previous copy kept), and each change since then
/// in <see cref="MetadataJournal"/> (<c>metadata.journal</c>, CRC-checked records, appended and fsynced). A change
/// costs one append; the journal is compacted into the full file once it passes <c>journalLimit</c> bytes and at clean
/// shutdown. Recovery reads the full file and replays the journal on it (a torn tail is dropped, and said so). A plain
/// JSON file, the format before the header, is read once and rewritten. Without an intact copy of the full file the
/// broker refuses to start rather than forget definitions.
/// </summary>
internal sealed class MetadataStore(string directory, TimeProvider time, long journalLimit, ILogger? logger = null) : IDisposable
{
    public const string FileName = "metadata.json";

    private readonly StateFile _file = new(directory, FileName, StateFileKind.Metadata, time);
    private readonly MetadataJournal _journal = new(directory);

    public string Path => _file.Path;

    /// <summary>Where the changes since the last full write are.</summary>
    public string JournalPath => _journal.Path;

    /// <summary>What the last <see cref="Load"/> found; the engine logs it once it knows what the log holds.</summary>
    public StateFileLoad<MetadataSnapshot>? LastLoad { get; private set; }

    /// <summary>What the last <see cref="Load"/> found in the journal.</summary>
    public MetadataJournalLoad? LastJournalLoad { get; private set; }

    /// <exception cref="BrokerException"><see cref="BrokerErrorCode.Unavailable"/> when the file exists but neither it
    /// nor an older copy is intact.</exception>
    public MetadataSnapshot Load()
    {
        var load = _file.Load((bytes, offset, count) => Parse(bytes.AsSpan(offset, count)), bytes => Parse(bytes));
        LastLoad = load;
        if (load.Value is not null)
        {
            return Replay(load.Value);
        }

        if (load.Problems.Count == 0)
        {
            return Replay(new MetadataSnapshot([], [])); // a new broker, or one that crashed before its first compaction
        }

        throw new BrokerException(BrokerErrorCode.Unavailable,
            $"The broker does not start: topic and group definitions in '{Path}' are unreadable ({load.Describe()}) and no intact copy " +
            $"({FileName}.prev, {FileName}.tmp) exists. Restore {FileName} from a backup; or, to start without definitions " +
            $"(topics and groups are re-created by AutoCreate or the configured declarations, with default settings), move " +
            $"{FileName}, {FileName}.prev and {FileName}.tmp out of '{directory}'.");
    }

    /// <summary>
    /// Makes <paramref name="changes"/> durable (one journal append and fsync). When the journal has grown past its
    /// bound, the full set <paramref name="current"/> returns (which includes the changes) is written instead and
    /// the journal emptied.
    /// </summary>
    public void Record(IReadOnlyList<MetadataChange> changes, Func<MetadataSnapshot> current)
    {
        _journal.Append(changes);
        if (_journal.Length <= journalLimit)
        {
            return;
        }

        try
        {
            Compact(current());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The changes are durable in the journal already; the next change tries the compaction again.
            EngineLog.MetadataCompactionDeferred(logger ?? NullLogger.Instance, _journal.Length, ex);
        }
    }

    /// <summary>
    /// Writes the full set and empties the journal. A crash between the two leaves a journal whose changes the new
    /// full file already holds; replaying them changes nothing, as each states a whole value.
    /// </summary>
    public void Compact(MetadataSnapshot snapshot)
    {
        _file.Write(stream => JsonSerializer.Serialize(stream, snapshot, MetadataJsonContext.Default.MetadataSnapshot));
        _journal.Reset();
    }

    public void Dispose() => _journal.Dispose();

    private MetadataSnapshot Replay(MetadataSnapshot full)
    {
        var journal = _journal.Read();
        LastJournalLoad = journal;
        if (journal.Changes.Count == 0)
        {
            return full;
        }

        var topics = full.Topics.ToDictionary(topic => topic.Name, StringComparer.Ordinal);
        var groups = full.Groups.ToDictionary(group => group.Name, StringComparer.Ordinal);
        foreach (var change in journal.Changes)
        {
            change.ApplyTo(topics, groups);
        }

        return new MetadataSnapshot([.. topics.Values], [.. groups.Values]);
    }

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
