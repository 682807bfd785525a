namespace AgentBus.Interop.Tests;

/// <summary>
/// Broker defects these scenarios found and that are not fixed yet: the tests they break are skipped with one of
/// these reasons (shown by the test runner) until the fix lands, then the skip goes.
/// </summary>
internal static class KnownBrokerIssues
{
    public const string NormalQueueIdNotPersisted =
        "Broker defect: a normal message is written to the commit log with the queue id the producer sent " +
        "(system_properties.queue_id, always 0 from this client), not the queue the engine picked; recovery drops " +
        "the records whose queue offset then does not follow ('did not follow their queue'), so pending messages are lost on restart.";

    public const string SyncLiteSubscriptionReordered =
        "Broker defect: concurrent SyncLiteSubscription calls of one client are applied in any order; the client's " +
        "startup COMPLETE_ADD (empty set), sent first, can be applied after the PARTIAL_ADD that follows it and drop that subscription.";

    public const string EmptyBodyAccepted =
        "Broker deviation: SendMessage with an empty body is stored (OK) instead of being refused with " +
        "MESSAGE_BODY_EMPTY (41302) as Apache RocketMQ's proxy does.";
}
