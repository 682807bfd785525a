namespace AgentBus.Client.Errors;

/// <summary>A message (or builder input) breaks a rule the client checks before sending, e.g. a lite topic together with a message group.</summary>
public sealed class InvalidMessageException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public InvalidMessageException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which rule was broken.</param>
    public InvalidMessageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which rule was broken.</param>
    /// <param name="inner">The underlying exception.</param>
    public InvalidMessageException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception for one argument.</summary>
    /// <param name="message">Which rule was broken.</param>
    /// <param name="paramName">The offending argument.</param>
    public InvalidMessageException(string message, string? paramName)
        : base(message, paramName)
    {
    }
}
