using System.Text.Json.Serialization;

namespace AgentBus.SemanticKernel;

/// <summary>An agent as <c>list_agents</c> shows it to the model.</summary>
internal sealed record ListedAgent(string Id, int Replicas, long Backlog);

/// <summary>A message of a session as <c>read_session_history</c> shows it.</summary>
internal sealed record HistoryEntry(long Offset, string? From, string Kind, DateTimeOffset SentAt, string Text);

/// <summary>One read of a session: its messages and where to read on.</summary>
internal sealed record HistoryPage(HistoryEntry[] Messages, long NextOffset, long EndOffset, bool More);

/// <summary>The JSON the plugin writes for the model: snake_case, compact, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ListedAgent[]))]
[JsonSerializable(typeof(HistoryPage))]
internal sealed partial class PluginJsonContext : JsonSerializerContext;
