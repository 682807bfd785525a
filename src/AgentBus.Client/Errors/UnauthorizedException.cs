namespace AgentBus.Client.Errors;

/// <summary>The credentials are missing or wrong (401xx).</summary>
public class UnauthorizedException : ClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public UnauthorizedException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public UnauthorizedException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public UnauthorizedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public UnauthorizedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
