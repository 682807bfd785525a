namespace AgentBus.Client.Errors;

/// <summary>The call did not complete in time (40800, or the client's deadline passed).</summary>
public class RequestTimeoutException : ClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public RequestTimeoutException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public RequestTimeoutException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public RequestTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public RequestTimeoutException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
