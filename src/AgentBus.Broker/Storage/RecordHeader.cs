namespace AgentBus.Broker.Storage;

/// <summary>The indexing fields of one stored record, read without decoding its body or properties.</summary>
/// <param name="Position">Global byte position of the record.</param>
/// <param name="Size">Encoded size of the record in bytes.</param>
/// <param name="Topic">The (parent) topic.</param>
/// <param name="LiteTopic">The lite topic, or <c>null</c>.</param>
/// <param name="QueueId">Queue id inside the topic.</param>
/// <param name="QueueOffset">Offset inside the queue, as assigned at append time.</param>
/// <param name="StoreTimestamp">Milliseconds since the Unix epoch at which the record was appended.</param>
internal readonly record struct RecordHeader(long Position, int Size, string Topic, string? LiteTopic,
    int QueueId, long QueueOffset, long StoreTimestamp)
{
    /// <summary>Whether the record carries a deduplication key (<see cref="RecordLayout.FlagDeduplicated"/>).</summary>
    public bool Deduplicated { get; init; }

    /// <summary>Global byte position just after the record.</summary>
    public long EndPosition => Position + Size;
}
