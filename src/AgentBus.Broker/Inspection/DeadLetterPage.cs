using AgentBus.Broker.Messages;

namespace AgentBus.Broker.Inspection;

/// <summary>Dead letters of a group, as <see cref="BrokerEngine.PeekDeadLetters"/> reads them.</summary>
/// <param name="Messages">The dead-letter copies in offset order; <c>DLQ_ORIGIN_TOPIC</c>, <c>DLQ_ORIGIN_LITE_TOPIC</c> and <c>DLQ_ORIGIN_MESSAGE_ID</c> say where each came from.</param>
/// <param name="FirstPending">The first dead letter neither replayed nor purged.</param>
/// <param name="MaxOffset">The offset the next dead letter gets: <c>MaxOffset - FirstPending</c> are pending.</param>
/// <param name="NextOffset">Where the next read continues.</param>
public sealed record DeadLetterPage(IReadOnlyList<MessageRecord> Messages, long FirstPending, long MaxOffset, long NextOffset);
