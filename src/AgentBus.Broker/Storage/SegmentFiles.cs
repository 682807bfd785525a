using System.Globalization;

namespace AgentBus.Broker.Storage;

/// <summary>Segment file naming: the base position, zero-padded to 20 digits (RocketMQ style).</summary>
internal static class SegmentFiles
{
    private const int NameLength = 20;

    /// <summary>Suffix of a segment file created ahead of time, before it becomes part of the log.</summary>
    public const string PreparedSuffix = ".prepared";

    public static string PathFor(string directory, long basePosition) =>
        Path.Combine(directory, basePosition.ToString("D20", CultureInfo.InvariantCulture));

    public static string PreparedPathFor(string directory, long basePosition) => PathFor(directory, basePosition) + PreparedSuffix;

    /// <summary>Segment files in <paramref name="directory"/>, ordered by base position; other files are ignored.</summary>
    public static List<(long BasePosition, string Path)> List(string directory)
    {
        var segments = new List<(long, string)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory))
        {
            if (TryParse(System.IO.Path.GetFileName(path), out var basePosition))
            {
                segments.Add((basePosition, path));
            }
        }

        segments.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return segments;
    }

    public static bool TryParse(string name, out long basePosition)
    {
        basePosition = 0;
        return name.Length == NameLength
            && name.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0
            && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out basePosition);
    }
}
