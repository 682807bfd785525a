using System.Collections;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace AgentBus.Reliability.Tests.Fuzz;

/// <summary>
/// Field-level edits of a well-formed protobuf message through its descriptor: a field somewhere in the message tree
/// gets an empty or huge string, a negative or extreme number, an unknown enum value, a non-normalized Duration or
/// Timestamp (they are messages with seconds and nanos like any other), many repeated entries, or is cleared.
/// The result is still a valid protobuf encoding, so it reaches the handler, not the decoder's refusal.
/// </summary>
internal static class FieldMutator
{
    private static readonly long[] ExtremeLongs = [0, -1, 1, long.MinValue, long.MaxValue, int.MinValue, int.MaxValue, 315_576_000_001, -315_576_000_001, 253_402_300_800];
    private static readonly int[] ExtremeInts = [0, -1, 1, int.MinValue, int.MaxValue, 1_000_000_000, -1_000_000_000, 999_999_999, 65_536];

    /// <summary>Applies 1 to 3 edits to <paramref name="message"/> (in place) and describes them.</summary>
    public static string Mutate(IMessage message, Random random)
    {
        var edits = new List<string>();
        int count = random.Next(1, 4);
        for (int i = 0; i < count; i++)
        {
            edits.Add(MutateSomewhere(message, random, message.Descriptor.Name, depth: 0));
        }

        return string.Join("; ", edits);
    }

    /// <summary>
    /// Sets every Duration and Timestamp of the message tree (present ones, and absent ones of the messages on the
    /// way) to an odd value: nanos past a second or negative, mixed signs, seconds beyond year 9999 or before year 1.
    /// </summary>
    public static string MutateTimes(IMessage message, Random random)
    {
        var edits = new List<string>();
        MutateTimes(message, random, message.Descriptor.Name, edits, depth: 0);
        return edits.Count == 0 ? "no durations or timestamps" : string.Join("; ", edits);
    }

    private static void MutateTimes(IMessage message, Random random, string path, List<string> edits, int depth)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType != FieldType.Message || field.IsRepeated || depth > 6)
            {
                if (field.IsRepeated && field.FieldType == FieldType.Message && !field.IsMap && depth <= 6)
                {
                    foreach (IMessage element in (IList)field.Accessor.GetValue(message))
                    {
                        MutateTimes(element, random, path + "." + field.Name + "[]", edits, depth + 1);
                    }
                }

                continue;
            }

            string full = field.MessageType.FullName;
            if (full is "google.protobuf.Duration" or "google.protobuf.Timestamp")
            {
                if (random.Next(3) == 0)
                {
                    continue;
                }

                long seconds = Pick([0, -1, 1, long.MaxValue, long.MinValue, 315_576_000_001, -62_135_596_801, 253_402_300_800, 86_400L * 366], random);
                int nanos = Pick([0, -1, 1_000_000_000, 1_999_999_999, int.MinValue, int.MaxValue, 500_000_000, -500_000_000], random);
                var value = full == "google.protobuf.Duration"
                    ? (IMessage)new Google.Protobuf.WellKnownTypes.Duration { Seconds = seconds, Nanos = nanos }
                    : new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = seconds, Nanos = nanos };
                field.Accessor.SetValue(message, value);
                edits.Add($"{path}.{field.Name} = {seconds}s {nanos}ns");
            }
            else if (field.Accessor.GetValue(message) is IMessage child)
            {
                MutateTimes(child, random, path + "." + field.Name, edits, depth + 1);
            }
        }
    }

    private static string MutateSomewhere(IMessage message, Random random, string path, int depth)
    {
        var fields = message.Descriptor.Fields.InDeclarationOrder();
        if (fields.Count == 0)
        {
            return path + ": (no fields)";
        }

        var field = fields[random.Next(fields.Count)];
        string where = path + "." + field.Name;
        if (field.IsMap)
        {
            var map = (IDictionary)field.Accessor.GetValue(message);
            return where + MutateMap(map, field, random);
        }

        if (field.IsRepeated)
        {
            var list = (IList)field.Accessor.GetValue(message);
            return where + MutateList(list, field, random, where, depth);
        }

        if (field.FieldType == FieldType.Message)
        {
            var child = (IMessage?)field.Accessor.GetValue(message);
            if (random.Next(5) == 0)
            {
                field.Accessor.Clear(message);
                return where + " cleared";
            }

            if (child is null)
            {
                child = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                field.Accessor.SetValue(message, child);
            }

            return depth < 6 ? MutateSomewhere(child, random, where, depth + 1) : where + " (deep)";
        }

        object value = Scalar(field, random);
        field.Accessor.SetValue(message, value);
        return $"{where} = {Show(value)}";
    }

    private static string MutateList(IList list, FieldDescriptor field, Random random, string where, int depth)
    {
        switch (random.Next(4))
        {
            case 0:
                list.Clear();
                return " cleared";
            case 1 when list.Count > 0:
                // Many copies of one entry: a batch far larger than any client sends.
                int copies = random.Next(2) == 0 ? random.Next(2, 50) : random.Next(500, 2000);
                object first = list[0]!;
                for (int i = 0; i < copies; i++)
                {
                    list.Add(first);
                }

                return $" x{copies} copies";
            default:
                if (field.FieldType == FieldType.Message)
                {
                    IMessage element;
                    if (list.Count > 0 && random.Next(2) == 0)
                    {
                        element = (IMessage)list[random.Next(list.Count)]!;
                    }
                    else
                    {
                        element = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                        list.Add(element);
                    }

                    return depth < 6 ? " -> " + MutateSomewhere(element, random, where + "[]", depth + 1) : " (deep)";
                }

                object value = Scalar(field, random);
                list.Add(value);
                return $" += {Show(value)}";
        }
    }

    private static string MutateMap(IDictionary map, FieldDescriptor field, Random random)
    {
        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        if (random.Next(4) == 0)
        {
            map.Clear();
            return " cleared";
        }

        int entries = random.Next(2) == 0 ? 1 : random.Next(10, 300);
        for (int i = 0; i < entries; i++)
        {
            object key = Scalar(keyField, random);
            if (key is string text && i > 0)
            {
                key = text + i;
            }

            map[key] = valueField.FieldType == FieldType.Message ? Activator.CreateInstance(valueField.MessageType.ClrType)! : Scalar(valueField, random);
        }

        return $" += {entries} entries";
    }

    private static object Scalar(FieldDescriptor field, Random random) => field.FieldType switch
    {
        FieldType.String => OddString(random),
        FieldType.Bytes => ByteString.CopyFrom(RandomBytes(random, random.Next(3) == 0 ? random.Next(0, 1 << 20) : random.Next(0, 64))),
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Pick(ExtremeInts, random),
        FieldType.UInt32 or FieldType.Fixed32 => (uint)Pick(ExtremeInts, random),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Pick(ExtremeLongs, random),
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)Pick(ExtremeLongs, random),
        FieldType.Double => Pick([double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.MaxValue, double.Epsilon], random),
        FieldType.Float => Pick([float.NaN, float.PositiveInfinity, float.MinValue, float.MaxValue], random),
        FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, random.Next(3) == 0
            ? field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number
            : Pick([-1, 99, 12_345, int.MaxValue, int.MinValue, 6, 7, 8], random)),
        _ => throw new NotSupportedException(field.FieldType.ToString()),
    };

    private static string OddString(Random random) => random.Next(10) switch
    {
        0 => "",
        1 => new string('x', random.Next(128, 300)),
        2 => new string('a', random.Next(10_000, 200_000)),
        3 => "%DLQ%fuzz-group",
        4 => "../../etc/passwd",
        5 => "\0\u0001\u007f",
        6 => "名前-\u00e9\u2603\U0001F600",
        7 => " ",
        8 => Encoding.ASCII.GetString(RandomBytes(random, random.Next(1, 40))),
        _ => "fuzz-" + random.Next(1000),
    };

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static T Pick<T>(T[] values, Random random) => values[random.Next(values.Length)];

    private static string Show(object value) => value switch
    {
        string { Length: > 40 } text => $"string({text.Length})",
        string text => $"\"{text}\"",
        ByteString bytes => $"bytes({bytes.Length})",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };
}
