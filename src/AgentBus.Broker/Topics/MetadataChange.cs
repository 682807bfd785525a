using System.Text.Json.Serialization;

namespace AgentBus.Broker.Topics;

/// <summary>What one <see cref="MetadataChange"/> does.</summary>
internal enum MetadataChangeKind
{
    /// <summary>A topic is created or replaced by <see cref="MetadataChange.Topic"/>.</summary>
    PutTopic = 1,

    /// <summary>The topic <see cref="MetadataChange.Name"/> is deleted.</summary>
    DeleteTopic = 2,

    /// <summary>A consumer group is created or replaced by <see cref="MetadataChange.Group"/>.</summary>
    PutGroup = 3,

    /// <summary>The consumer group <see cref="MetadataChange.Name"/> is deleted.</summary>
    DeleteGroup = 4,
}

/// <summary>
/// One definition change, as <see cref="MetadataJournal"/> records it. Each change states the whole new value (or
/// the deletion), never a difference, so replaying a change the full file already holds changes nothing.
/// </summary>
internal sealed record MetadataChange(
    MetadataChangeKind Kind,
    TopicDefinition? Topic = null,
    ConsumerGroupDefinition? Group = null,
    string? Name = null)
{
    public static MetadataChange Put(TopicDefinition topic) => new(MetadataChangeKind.PutTopic, Topic: topic);

    public static MetadataChange Put(ConsumerGroupDefinition group) => new(MetadataChangeKind.PutGroup, Group: group);

    public static MetadataChange DeletedTopic(string name) => new(MetadataChangeKind.DeleteTopic, Name: name);

    public static MetadataChange DeletedGroup(string name) => new(MetadataChangeKind.DeleteGroup, Name: name);

    /// <summary>Applies the change to <paramref name="topics"/> and <paramref name="groups"/>.</summary>
    /// <exception cref="InvalidDataException">The change lacks what its kind needs.</exception>
    public void ApplyTo(IDictionary<string, TopicDefinition> topics, IDictionary<string, ConsumerGroupDefinition> groups)
    {
        switch (Kind)
        {
            case MetadataChangeKind.PutTopic when Topic is { Name: not null }:
                topics[Topic.Name] = Topic;
                break;
            case MetadataChangeKind.DeleteTopic when Name is not null:
                topics.Remove(Name);
                break;
            case MetadataChangeKind.PutGroup when Group is { Name: not null }:
                groups[Group.Name] = Group;
                break;
            case MetadataChangeKind.DeleteGroup when Name is not null:
                groups.Remove(Name);
                break;
            default:
                throw new InvalidDataException($"a {Kind} change without its {(Kind is MetadataChangeKind.PutTopic ? "topic" : Kind is MetadataChangeKind.PutGroup ? "group" : "name")}");
        }
    }
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MetadataChange))]
internal sealed partial class MetadataChangeJsonContext : JsonSerializerContext;
