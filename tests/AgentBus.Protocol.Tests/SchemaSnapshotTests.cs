using System.Reflection;
using Apache.Rocketmq.V2;
using Google.Protobuf.Reflection;

namespace AgentBus.Protocol.Tests;

/// <summary>
/// Compares our compiled schema, fact by fact, with Fixtures/rocketmq-v2-schema.txt, which was
/// taken from the schema shipped in the rocketmq-client-nodejs 1.0.8 package
/// (Fixtures/make-schema-snapshot.js writes it and says how).
/// </summary>
public class SchemaSnapshotTests
{
    [Fact]
    public void Compiled_schema_matches_the_node_client_snapshot()
    {
        var expected = ReadSnapshot();
        var actual = Flatten(DefinitionReflection.Descriptor, ServiceReflection.Descriptor);

        var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
        var extra = actual.Except(expected, StringComparer.Ordinal).ToList();
        Assert.True(
            missing.Count == 0 && extra.Count == 0,
            $"missing:\n  {string.Join("\n  ", missing)}\nextra:\n  {string.Join("\n  ", extra)}");
        Assert.Equal(expected, actual);
    }

    private static List<string> ReadSnapshot()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("rocketmq-v2-schema.txt")
            ?? throw new InvalidOperationException("snapshot resource missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    /// <summary>Same line format as make-schema-snapshot.js.</summary>
    private static List<string> Flatten(params FileDescriptor[] files)
    {
        var lines = new List<string>();
        foreach (var file in files)
        {
            var proto = FileDescriptorProto.Parser.ParseFrom(file.SerializedData);
            var package = proto.Package;
            var deps = string.Join(",", proto.Dependency.OrderBy(d => d, StringComparer.Ordinal));
            lines.Add($"file {proto.Name} package={package} csharp_namespace={proto.Options?.CsharpNamespace} deps={deps}");

            void AddEnum(string prefix, EnumDescriptorProto e)
            {
                lines.Add($"enum {prefix}.{e.Name} in {proto.Name}");
                foreach (var v in e.Value)
                {
                    lines.Add($"enumval {prefix}.{e.Name}.{v.Name}={v.Number}");
                }
            }

            void AddMessage(string prefix, DescriptorProto m)
            {
                var full = $"{prefix}.{m.Name}";
                lines.Add($"message {full} in {proto.Name}");
                foreach (var f in m.Field)
                {
                    var oneof = f.HasOneofIndex ? m.OneofDecl[f.OneofIndex].Name : "-";
                    var typeName = string.IsNullOrEmpty(f.TypeName) ? "-" : f.TypeName;
                    lines.Add(
                        $"field {full}.{f.Name} #{f.Number} label={(int)f.Label} type={(int)f.Type} type_name={typeName} " +
                        $"oneof={oneof} proto3_optional={(f.Proto3Optional ? "true" : "false")}");
                }

                foreach (var e in m.EnumType)
                {
                    AddEnum(full, e);
                }

                foreach (var n in m.NestedType)
                {
                    AddMessage(full, n);
                }
            }

            foreach (var e in proto.EnumType)
            {
                AddEnum("." + package, e);
            }

            foreach (var m in proto.MessageType)
            {
                AddMessage("." + package, m);
            }

            foreach (var s in proto.Service)
            {
                foreach (var mt in s.Method)
                {
                    lines.Add(
                        $"rpc {package}.{s.Name}/{mt.Name} input={mt.InputType} output={mt.OutputType} " +
                        $"client_streaming={(mt.ClientStreaming ? "true" : "false")} server_streaming={(mt.ServerStreaming ? "true" : "false")}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
