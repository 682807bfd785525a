namespace AgentBus.Broker.Storage;

/// <summary>Where an appended record landed in the log.</summary>
/// <param name="Position">Global byte position of the record's first byte; pass it to <see cref="CommitLog.TryRead"/>.</param>
/// <param name="EndPosition">Global byte position just after the record; pass it to <see cref="CommitLog.WaitDurableAsync"/>.</param>
internal readonly record struct AppendResult(long Position, long EndPosition);
