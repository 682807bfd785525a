namespace AgentBus.Client.Errors;

/// <summary>The proxy or broker timed out storing or forwarding the call (504xx).</summary>
public class ProxyTimeoutException : ClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public ProxyTimeoutException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public ProxyTimeoutException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public ProxyTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public ProxyTimeoutException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
