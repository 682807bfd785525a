namespace AgentBus;

/// <summary>The bus already waits for <see cref="AgentBusOptions.MaxPendingRequests"/> replies: a new request is refused rather than queued without bound.</summary>
public sealed class RequestLimitExceededException : AgentBusException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="limit">The limit reached.</param>
    public RequestLimitExceededException(int limit)
        : base($"{limit} requests are already waiting for replies (AgentBusOptions.MaxPendingRequests).")
    {
        Limit = limit;
    }

    /// <summary>The limit reached.</summary>
    public int Limit { get; }
}
