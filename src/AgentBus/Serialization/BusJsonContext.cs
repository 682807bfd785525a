using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace AgentBus.Serialization;

/// <summary>
/// Metadata for the bodies most messages carry (text, numbers, JSON trees, string maps and lists), generated at build
/// time: the default resolver of <see cref="AgentBusOptions.JsonSerializerOptions"/> where reflection-based JSON is
/// switched off — trimmed and native-AOT applications, .NET file-based programs by default. Other types there need
/// the application's own context in the options' resolver chain.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class BusJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Reflection where the application allows it (every type works, as with plain <see cref="JsonSerializerOptions"/>),
    /// else this context.
    /// </summary>
    public static IJsonTypeInfoResolver DefaultResolver() =>
        JsonSerializer.IsReflectionEnabledByDefault ? Reflection() : Default;

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only where reflection-based JSON is enabled.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only where reflection-based JSON is enabled.")]
    private static IJsonTypeInfoResolver Reflection() => new DefaultJsonTypeInfoResolver();
}
