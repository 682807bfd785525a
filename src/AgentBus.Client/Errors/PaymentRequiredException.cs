namespace AgentBus.Client.Errors;

/// <summary>The broker requires payment for the call (402xx).</summary>
public class PaymentRequiredException : ClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public PaymentRequiredException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(code, message, requestId, inner)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    public PaymentRequiredException()
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public PaymentRequiredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public PaymentRequiredException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
