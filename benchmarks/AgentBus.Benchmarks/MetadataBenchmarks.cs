using System.Text.Json;
using AgentBus.Broker;
using AgentBus.Broker.Storage;
using AgentBus.Broker.Topics;
using BenchmarkDotNet.Attributes;

namespace AgentBus.Benchmarks;

/// <summary>
/// Creating one topic on a broker that holds 3,000: the journaled create (one fsynced append, with the journal folded
/// into metadata.json at its default bound, so compactions are part of the figure) against a full rewrite of the
/// definitions file, which is what every create cost before the journal (serialize all definitions, write, fsync,
/// two renames, directory fsync).
/// </summary>
[MemoryDiagnoser]
public class MetadataCreateBenchmarks
{
    private const int ExistingTopics = 3000;
    private string _directory = "";
    private BrokerEngine _engine = null!;
    private StateFile _fullFile = null!;
    private MetadataSnapshot _snapshot = null!;
    private int _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentbus-bench-metadata-" + Guid.NewGuid().ToString("N"));
        _engine = await BrokerEngine.OpenAsync(new BrokerOptions { DataDirectory = _directory, AutoCreate = false });
        for (int i = 0; i < ExistingTopics; i++)
        {
            _engine.Topics.CreateTopic(new TopicDefinition($"existing-topic-{i:D5}", TopicMessageType.Lite));
        }

        _engine.Topics.CompactMetadata();
        _snapshot = new MetadataSnapshot([.. _engine.Topics.Topics, new TopicDefinition("one-more", TopicMessageType.Lite)], [.. _engine.Topics.Groups]);
        string fullRewriteDirectory = Path.Combine(_directory, "full-rewrite");
        _fullFile = new StateFile(fullRewriteDirectory, MetadataStore.FileName, StateFileKind.Metadata, TimeProvider.System);
    }

    [Benchmark(Baseline = true, Description = "full rewrite per create (before)")]
    public void FullRewrite() =>
        _fullFile.Write(stream => JsonSerializer.Serialize(stream, _snapshot, MetadataJsonContext.Default.MetadataSnapshot));

    [Benchmark(Description = "journaled create (after)")]
    public void JournaledCreate() =>
        _engine.Topics.CreateTopic(new TopicDefinition($"new-topic-{_next++:D7}", TopicMessageType.Lite));

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _engine.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
