using AgentBus.Client.Messages;

namespace AgentBus.Client.Admin;

/// <summary>What <see cref="BrokerAdmin.PeekLiteTopicAsync"/> read.</summary>
/// <param name="Messages">The messages, in offset order.</param>
/// <param name="MinOffset">The first offset still stored.</param>
/// <param name="MaxOffset">The offset the next message gets.</param>
/// <param name="NextOffset">Where the next read continues.</param>
internal sealed record PeekedMessages(IReadOnlyList<MessageView> Messages, long MinOffset, long MaxOffset, long NextOffset);
