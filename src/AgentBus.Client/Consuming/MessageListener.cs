using AgentBus.Client.Messages;

namespace AgentBus.Client.Consuming;

/// <summary>
/// Handles one message for a push consumer and says what became of it. Runs on the consumer's workers, never on its
/// receive loop. An exception counts as <see cref="ConsumeResult.Failure"/>. The token is cancelled when the consumer
/// closes and its grace period for running listeners is over.
/// </summary>
/// <param name="message">The message.</param>
/// <param name="ct">Cancelled when the consumer gives up waiting for the listener.</param>
/// <returns>Success, failure or (lite consumers) suspend.</returns>
public delegate ValueTask<ConsumeResult> MessageListener(MessageView message, CancellationToken ct);
