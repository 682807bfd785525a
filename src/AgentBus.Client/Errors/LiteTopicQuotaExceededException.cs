namespace AgentBus.Client.Errors;

/// <summary>The broker holds as many lite topics as it may; a send to a new lite topic is refused (42901).</summary>
public class LiteTopicQuotaExceededException : ClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public LiteTopicQuotaExceededException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public LiteTopicQuotaExceededException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public LiteTopicQuotaExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public LiteTopicQuotaExceededException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
