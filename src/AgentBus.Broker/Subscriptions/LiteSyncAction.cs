namespace AgentBus.Broker.Subscriptions;

/// <summary>How a SyncLiteSubscription request changes a client's lite subscriptions.</summary>
public enum LiteSyncAction
{
    /// <summary>Add the given lite topics.</summary>
    PartialAdd,
    /// <summary>Remove the given lite topics.</summary>
    PartialRemove,
    /// <summary>The given set is the client's whole set: add what is missing, remove what is not listed.</summary>
    CompleteAdd,
    /// <summary>Remove every lite subscription of the client (the client is gone).</summary>
    CompleteRemove,
}
