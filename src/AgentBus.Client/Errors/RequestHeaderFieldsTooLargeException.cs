namespace AgentBus.Client.Errors;

/// <summary>Headers or message properties are too large (431xx).</summary>
public class RequestHeaderFieldsTooLargeException : ClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public RequestHeaderFieldsTooLargeException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public RequestHeaderFieldsTooLargeException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public RequestHeaderFieldsTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public RequestHeaderFieldsTooLargeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
