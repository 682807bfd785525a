namespace AgentBus.Broker.Inspection;

/// <summary>A page of a listing in ordinal name order.</summary>
/// <typeparam name="T">The entries.</typeparam>
/// <param name="Items">The entries of this page.</param>
/// <param name="NextAfter">The name to pass as <c>after</c> for the next page (the last name of this one); null when this is the last page.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextAfter);
