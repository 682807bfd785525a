namespace AgentBus.Client.Errors;

/// <summary>The consumer holds as many lite subscriptions as its quota allows (42902); unsubscribe unused lite topics.</summary>
public class LiteSubscriptionQuotaExceededException : ClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public LiteSubscriptionQuotaExceededException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public LiteSubscriptionQuotaExceededException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public LiteSubscriptionQuotaExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public LiteSubscriptionQuotaExceededException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
