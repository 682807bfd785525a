using AgentBus.Broker.Messages;

namespace AgentBus.Broker.Consumption;

/// <summary>One message handed to a consumer, invisible to others until acknowledged or until its invisibility ends.</summary>
/// <param name="Message">The stored message, with its queue offset and store timestamp.</param>
/// <param name="ReceiptHandle">Opaque handle for ack, change-invisible-duration and dead-lettering.</param>
/// <param name="DeliveryAttempt">1 on first delivery, +1 on each redelivery (suspensions do not count).</param>
/// <param name="InvisibleUntil">When the message becomes deliverable again unless acknowledged.</param>
public sealed record Delivery(MessageRecord Message, string ReceiptHandle, int DeliveryAttempt, DateTimeOffset InvisibleUntil);
