namespace AgentBus.Client.Errors;

/// <summary>A lite topic name is blank, too long or has characters the broker refuses (40020).</summary>
public class IllegalLiteTopicException : BadRequestException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public IllegalLiteTopicException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public IllegalLiteTopicException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public IllegalLiteTopicException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public IllegalLiteTopicException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
