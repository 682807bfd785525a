namespace AgentBus.Broker.Storage;

/// <summary>Decides on a stored record by its tag's UTF-8 bytes, before the record is decoded.</summary>
internal interface IRecordTagFilter
{
    /// <summary>Whether a record with this tag is wanted.</summary>
    /// <param name="tagged">Whether the record has a tag.</param>
    /// <param name="utf8Tag">The tag's UTF-8 bytes (empty when untagged).</param>
    bool Accepts(bool tagged, ReadOnlySpan<byte> utf8Tag);
}
