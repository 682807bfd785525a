using AgentBus.Broker.Storage;

namespace AgentBus.Broker;

/// <summary>Every knob of the engine. Defaults suit a single broker serving a million lite topics.</summary>
public sealed class BrokerOptions
{
    /// <summary>Folder for the commit log, metadata and offsets.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Bytes per commit-log segment file.</summary>
    public int SegmentSize { get; set; } = 1 << 30;

    /// <summary>Async: an append is acknowledged once written (page cache), fsynced every <see cref="FlushInterval"/>. Sync: acknowledged after fsync (group commit).</summary>
    public FlushMode FlushMode { get; set; } = FlushMode.Async;

    /// <summary>Period of the background fsync in <see cref="FlushMode.Async"/>.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Create unknown topics on first send and bind unknown groups on first lite subscription (a development convenience).</summary>
    public bool AutoCreate { get; set; } = true;

    /// <summary>
    /// Topics the broker may hold for <see cref="AutoCreate"/> to create one more (default 1,000): past it an unknown
    /// topic is answered TOPIC_NOT_FOUND, saying so, so a client cannot make the broker create topics without end.
    /// Declared topics and topics created through the admin API are not refused (they count toward it).
    /// </summary>
    public int MaxAutoCreatedTopics { get; set; } = 1000;

    /// <summary>
    /// Consumer groups the broker may hold for <see cref="AutoCreate"/> to create one more (default 1,000): past it an
    /// unknown group is answered CONSUMER_GROUP_NOT_FOUND, saying so. Declared groups are not refused (they count toward it).
    /// </summary>
    public int MaxAutoCreatedGroups { get; set; } = 1000;

    /// <summary>Largest message body accepted.</summary>
    public int MaxMessageBodySize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest total size of a message's user properties.</summary>
    public int MaxPropertiesSize { get; set; } = 16 * 1024;

    /// <summary>Longest lite topic name (<c>max_lite_topic_size</c>).</summary>
    public int MaxLiteTopicLength { get; set; } = 64;

    /// <summary>
    /// Bytes of the commit log behind its durable position whose mapped pages stay mapped in the broker's process; the
    /// flushed pages before them are released after each flush (they stay in the page cache). Negative keeps every page
    /// mapped. Internal: for measurements.
    /// </summary>
    internal long CommitLogResidentTail { get; set; } = Storage.CommitLogOptions.DefaultResidentTail;

    /// <summary>
    /// Bytes of the commit log behind its durable position kept in the kernel's page cache; the flushed pages before
    /// them are dropped from it after each flush (see <see cref="Storage.CommitLogOptions.CachedTail"/>). Negative
    /// keeps everything cached. Internal: for measurements.
    /// </summary>
    internal long CommitLogCachedTail { get; set; } = Storage.CommitLogOptions.DefaultCachedTail;

    /// <summary>Lite topics the broker holds at most; a send that would create one more fails with LiteTopicQuotaExceeded.</summary>
    public int MaxLiteTopics { get; set; } = 2_000_000;

    /// <summary>Lite subscriptions one client may hold (<c>lite_subscription_quota</c>, pushed to clients).</summary>
    public int MaxLiteSubscriptionsPerClient { get; set; } = 2000;

    /// <summary>
    /// What an explicit offset option on a lite subscription may do to the position the group shares (default
    /// <see cref="Subscriptions.LiteSubscribeOffset.MoveGroup"/>, as RocketMQ 5.5). Only a PARTIAL_ADD's option is
    /// applied; a COMPLETE_ADD's is ignored, as RocketMQ does, so a client's periodic full sync never moves a position.
    /// </summary>
    public Subscriptions.LiteSubscribeOffset LiteSubscribeOffset { get; set; } = Subscriptions.LiteSubscribeOffset.MoveGroup;

    /// <summary>Lite subscription references (client × lite topic) the broker holds at most.</summary>
    public int MaxLiteSubscriptionsPerBroker { get; set; } = 2_000_000;

    /// <summary>Default time a lite topic lives after its last write.</summary>
    public TimeSpan LiteTopicTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often expired lite topics are looked for.</summary>
    public TimeSpan LiteTopicExpiryInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Whether TTL expiry may delete a lite topic that still holds messages a bound group has not consumed.
    /// Off by default: unconsumed messages are never dropped silently.
    /// </summary>
    public bool ExpireLiteTopicsWithBacklog { get; set; }

    /// <summary>
    /// A client not heard from for this long (no call, no stream open) is considered gone: it is forgotten with its
    /// lite subscriptions, auto-renewed deliveries and receive attempts.
    /// </summary>
    public TimeSpan ClientExpiry { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How often gone clients are looked for and forgotten (their ready events move to live clients).</summary>
    public TimeSpan ClientScanInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lite topic names one client's ready set holds before falling back to a full dispatch.</summary>
    public int ReadySetCapacity { get; set; } = 400;

    /// <summary>Delay before a full dispatch of a client whose ready set overflowed.</summary>
    public TimeSpan FullDispatchDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Messages one receive returns at most.</summary>
    public int MaxReceiveBatch { get; set; } = 32;

    /// <summary>Shortest and longest invisible duration accepted on receive.</summary>
    public TimeSpan MinInvisibleDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="MinInvisibleDuration"/>
    public TimeSpan MaxInvisibleDuration { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often commit-log retention runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Upper bound on how long a commit-log segment is kept. A segment no queue needs any more (every group
    /// acknowledged its messages, or their lite topics expired) is deleted at once; past this age a segment is
    /// deleted even with unconsumed messages (logged as a warning with the count), so the disk stays bounded.
    /// Null keeps unconsumed messages forever.
    /// </summary>
    public TimeSpan? LogRetention { get; set; } = TimeSpan.FromHours(72);

    /// <summary>How often queue indexes are checkpointed, so a restart after a crash scans only the log written since.</summary>
    public TimeSpan IndexCheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a lite message's deduplication key (property <c>agentbus-dedupe-key</c>) is remembered: a re-send
    /// with the same key to the same lite topic within this window is not stored again (default 2 minutes). Keys are
    /// held in memory: a broker restart forgets them.
    /// </summary>
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Deduplication keys remembered at most (default 1,000,000); past it the oldest are forgotten first.</summary>
    public int MaxDeduplicationKeys { get; set; } = 1_000_000;

    /// <summary>
    /// Message ids and keys the message index holds at most (default 1,000,000; 0 turns it off), the most recent
    /// first: the admin API's lookup by message id or key finds the messages they point at. About 56 bytes each once
    /// filled; a restart rebuilds it from the newest segments of the commit log. See docs/operations.md.
    /// </summary>
    public int MessageIndexCapacity { get; set; } = 1_000_000;

    /// <summary>
    /// What the broker does when recovery finds that fsynced commit-log data is gone (its checkpoint, or the index
    /// checkpoint, records positions beyond the end of the valid log: a segment file deleted, truncated or damaged
    /// outside the broker). False (the default): it logs an error saying how much is missing and refuses to start,
    /// changing nothing, so the segment files can be restored. True: it logs the same error and starts without those
    /// messages; committed offsets past the new end are lowered to it.
    /// </summary>
    public bool ContinueAfterLogDataLoss { get; set; }

    /// <summary>
    /// Bytes the definitions journal (<c>metadata.journal</c>) may grow to before it is folded into
    /// <c>metadata.json</c> (default 1 MiB, a few thousand changes). Each topic or group change costs one small fsynced
    /// append; the full file is rewritten only at this bound and at clean shutdown.
    /// </summary>
    public long MetadataJournalLimit { get; set; } = 1 << 20;

    /// <summary>
    /// How often consume offsets are checkpointed to disk: the committed offsets that moved since the last checkpoint
    /// are appended to <c>offsets.journal</c> (one fsynced append); nothing is written when none moved.
    /// </summary>
    public TimeSpan OffsetCheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bytes the offsets journal (<c>offsets.journal</c>) may grow to before every committed offset is written to
    /// <c>offsets.bin</c> anew and the journal emptied (default 16 MiB); the bound is never below the size of the last
    /// <c>offsets.bin</c>, so the full rewrite costs at most as much as the journal it replaces. Also done at clean shutdown.
    /// </summary>
    public long OffsetJournalLimit { get; set; } = 16 << 20;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("DataDirectory is required.", nameof(DataDirectory));
        }

        if (MaxLiteTopicLength is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLiteTopicLength), "MaxLiteTopicLength must be within 1..1024.");
        }

        if (ReadySetCapacity is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadySetCapacity), "ReadySetCapacity must be within 1..100000.");
        }

        if (MaxAutoCreatedTopics < 0 || MaxAutoCreatedGroups < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAutoCreatedTopics), "MaxAutoCreatedTopics and MaxAutoCreatedGroups cannot be negative.");
        }

        if (MaxReceiveBatch < 1 || MaxLiteSubscriptionsPerClient < 1 || MaxLiteSubscriptionsPerBroker < 1 || MaxLiteTopics < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReceiveBatch), "Quotas and batch sizes must be positive.");
        }

        if (MetadataJournalLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MetadataJournalLimit), "MetadataJournalLimit must be positive.");
        }

        if (OffsetJournalLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(OffsetJournalLimit), "OffsetJournalLimit must be positive.");
        }

        if (DeduplicationWindow < TimeSpan.Zero || MaxDeduplicationKeys < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DeduplicationWindow), "DeduplicationWindow cannot be negative and MaxDeduplicationKeys must be positive.");
        }

        if (MessageIndexCapacity is < 0 or > 100_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MessageIndexCapacity), "MessageIndexCapacity must be within 0..100000000.");
        }
    }
}
