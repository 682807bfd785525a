namespace AgentBus.Broker.Subscriptions;

/// <summary>
/// What an explicit start position on a lite subscription (a PARTIAL_ADD's offset option other than LAST) may do to
/// the group's committed position on that lite topic, which every member of the group shares.
/// </summary>
public enum LiteSubscribeOffset
{
    /// <summary>
    /// Moves the group's position, as Apache RocketMQ 5.5 does: every member of the group, not only the subscriber,
    /// goes on from there (MIN makes the group receive what it had acknowledged again). The default.
    /// </summary>
    MoveGroup,

    /// <summary>
    /// Moves the group's position only while no other client of the group subscribes that lite topic (in exclusive
    /// mode, the clients the subscription takes it from do not count); otherwise the option is ignored and the
    /// subscriber joins at the group's position, so one member cannot rewind or skip what the others rely on.
    /// </summary>
    WhenAlone,
}
