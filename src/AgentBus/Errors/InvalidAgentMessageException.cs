namespace AgentBus;

/// <summary>A message body that cannot be read as the type asked for (or a message that is not a bus message).</summary>
public sealed class InvalidAgentMessageException : AgentBusException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The serializer's error, if any.</param>
    public InvalidAgentMessageException(string message, Exception? innerException = null)
        : base(message, innerException!)
    {
    }
}
