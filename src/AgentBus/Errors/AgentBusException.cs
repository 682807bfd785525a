namespace AgentBus;

/// <summary>A failure of the agent bus (the base of its exceptions). Transport failures surface as the client's <c>ClientException</c>s.</summary>
public class AgentBusException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AgentBusException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public AgentBusException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AgentBusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
