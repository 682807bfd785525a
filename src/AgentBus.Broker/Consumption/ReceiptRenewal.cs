namespace AgentBus.Broker.Consumption;

/// <summary>How a <see cref="ReceiptRenewer"/> renews auto-renewed deliveries.</summary>
/// <param name="MaxEntries">Deliveries renewed at most at once; beyond that new ones are not renewed.</param>
/// <param name="MaxDuration">Longest a delivery is kept invisible by renewal, from its receive.</param>
/// <param name="Ahead">How long before a delivery's invisibility ends it is renewed.</param>
/// <param name="InvisibleDuration">The invisible time each renewal gives.</param>
internal readonly record struct ReceiptRenewal(int MaxEntries, TimeSpan MaxDuration, TimeSpan Ahead, TimeSpan InvisibleDuration);
