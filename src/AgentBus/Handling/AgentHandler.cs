namespace AgentBus;

/// <summary>
/// Handles one message of an agent's inbox. Runs off the receive loop; messages of one session run one at a time in
/// order, everything else concurrently up to <see cref="AgentBusOptions.MaxConcurrency"/>. Returning completes the
/// message (it is acknowledged); throwing sends the error back to a requester, or redelivers a one-way message.
/// </summary>
/// <param name="context">The message, its envelope, and ways to answer.</param>
/// <param name="ct">Cancelled when the request's deadline passes or the agent stops.</param>
/// <returns>A task that completes when the message is handled.</returns>
public delegate ValueTask AgentHandler(AgentContext context, CancellationToken ct);
