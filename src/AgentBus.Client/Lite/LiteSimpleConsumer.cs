using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming;
using AgentBus.Client.Messages;
using Apache.Rocketmq.V2;
using FilterExpression = AgentBus.Client.Consuming.FilterExpression;

namespace AgentBus.Client.Lite;

/// <summary>
/// Receives messages of its lite topics on demand and settles them itself: <see cref="ReceiveAsync"/> long-polls the
/// broker for any subscribed lite topic, <see cref="AckAsync"/> confirms, <see cref="ChangeInvisibleDurationAsync"/>
/// postpones. Subscriptions work as for <see cref="LitePushConsumer"/>.
/// </summary>
public sealed class LiteSimpleConsumer : LiteConsumerBase
{
    private readonly TimeSpan _awaitDuration;

    internal LiteSimpleConsumer(ClientConfiguration configuration, string bindTopic, string consumerGroup, TimeSpan awaitDuration)
        : base(configuration, ClientType.LiteSimpleConsumer, bindTopic, consumerGroup, awaitDuration)
    {
        _awaitDuration = awaitDuration;
    }

    /// <summary>Waits (up to the await duration) for messages of the subscribed lite topics.</summary>
    /// <param name="maxMessages">Messages at most.</param>
    /// <param name="invisibleDuration">How long received messages stay hidden from other consumers unless acked.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The messages; empty when none arrived in time.</returns>
    public Task<IReadOnlyList<MessageView>> ReceiveAsync(int maxMessages, TimeSpan invisibleDuration, CancellationToken ct = default)
    {
        ValidateReceive(maxMessages, invisibleDuration);
        return SimpleReceiving.ReceiveAsync(this, BindTopic, FilterExpression.All, maxMessages, invisibleDuration, _awaitDuration, ct);
    }

    /// <summary>Confirms a message.</summary>
    /// <exception cref="Errors.BadRequestException">The receipt handle expired (the message was or will be redelivered).</exception>
    public Task AckAsync(MessageView message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureRunning();
        return AckOneAsync(message, ct);
    }

    /// <summary>Keeps a message hidden for <paramref name="invisibleDuration"/> from now (a nack with a delay); the message's receipt handle is renewed.</summary>
    /// <param name="message">The message.</param>
    /// <param name="invisibleDuration">New invisible time from now.</param>
    /// <param name="suspend">Pause the lite topic without counting a delivery attempt.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task ChangeInvisibleDurationAsync(MessageView message, TimeSpan invisibleDuration, bool suspend = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureRunning();
        return ChangeInvisibleCoreAsync(message, invisibleDuration, suspend, ct);
    }
}
