namespace AgentBus.Broker.Storage;

/// <summary>What a state file holds; written into its header so a file copied under the wrong name is refused.</summary>
internal enum StateFileKind : ushort
{
    /// <summary>Committed consume offsets (<c>offsets.bin</c>).</summary>
    ConsumerOffsets = 1,

    /// <summary>Queue indexes up to a durable log position (<c>index.checkpoint</c>).</summary>
    QueueIndexes = 2,

    /// <summary>Topic and consumer-group definitions (<c>metadata.json</c>).</summary>
    Metadata = 3,

    /// <summary>The deduplication window's keys up to a durable log position (<c>dedupe.window</c>).</summary>
    Deduplication = 4,
}

/// <summary>Which copy of a state file a load used.</summary>
internal enum StateFileCopy
{
    /// <summary>No intact copy exists (see <see cref="StateFileLoad{T}.Problems"/>; none at all on a new broker).</summary>
    None,

    /// <summary>The file itself.</summary>
    Current,

    /// <summary>A completely written temp file whose rename a crash interrupted: the newest state.</summary>
    Temporary,

    /// <summary>The copy before the last write: older state.</summary>
    Previous,
}

/// <summary>One copy of a state file that could not be used, and why.</summary>
internal readonly record struct StateFileProblem(string Path, string Reason)
{
    public override string ToString() => $"{System.IO.Path.GetFileName(Path)}: {Reason}";
}

/// <summary>The result of <see cref="StateFile.Load{T}"/>.</summary>
internal sealed record StateFileLoad<T>(
    T? Value, StateFileCopy Copy, string? LoadedPath, DateTimeOffset? WrittenAt, bool Legacy, IReadOnlyList<StateFileProblem> Problems)
{
    /// <summary>True when the file was found and intact, in the current format or the legacy one.</summary>
    public bool FromCurrent => Copy == StateFileCopy.Current;

    /// <summary>True when the current copy was missing or damaged and another copy stood in for it.</summary>
    public bool FellBack => Copy is StateFileCopy.Temporary or StateFileCopy.Previous;

    /// <summary>What was wrong with the copies that were not used, for a log line.</summary>
    public string Describe() => Problems.Count == 0 ? "missing" : string.Join("; ", Problems);

    /// <summary>When the copy in use was written, for a log line.</summary>
    public string WrittenAtText => WrittenAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown time (legacy format)";
}
