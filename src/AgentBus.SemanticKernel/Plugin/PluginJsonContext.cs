using System.Text.Json.Serialization;

namespace AgentBus.SemanticKernel;

/// <summary>An agent as <c>list_agents</c> shows it to the model.</summary>
internal sealed record ListedAgent(string Id, int Replicas, long Backlog);

/// <summary>The JSON the plugin writes for the model: snake_case, compact, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ListedAgent[]))]
internal sealed partial class PluginJsonContext : JsonSerializerContext;
