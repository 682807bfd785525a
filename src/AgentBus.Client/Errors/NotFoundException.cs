namespace AgentBus.Client.Errors;

/// <summary>The topic, consumer group or message does not exist (404xx).</summary>
public class NotFoundException : ClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public NotFoundException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public NotFoundException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public NotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public NotFoundException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
