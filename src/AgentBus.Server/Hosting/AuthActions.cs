namespace AgentBus.Server.Hosting;

/// <summary>What an <see cref="AuthPermission"/> allows; combine them (<c>"Publish, Subscribe"</c> in configuration).</summary>
[Flags]
public enum AuthActions
{
    /// <summary>Nothing (a permission must allow something).</summary>
    None = 0,

    /// <summary>Send messages to the topic and its lite topics (SendMessage).</summary>
    Publish = 1,

    /// <summary>
    /// Consume the topic and its lite topics in the permitted groups: QueryAssignment, ReceiveMessage,
    /// SyncLiteSubscription, AckMessage, ChangeInvisibleDuration, ForwardMessageToDeadLetterQueue, and the admin
    /// API's PeekLiteTopic of a lite topic.
    /// </summary>
    Subscribe = 2,
}
