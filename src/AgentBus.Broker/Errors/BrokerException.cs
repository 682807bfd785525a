namespace AgentBus.Broker.Errors;

/// <summary>An operation the engine refused, with a code the server maps onto a protocol status.</summary>
public sealed class BrokerException : Exception
{
    /// <summary>Creates an exception with a code and a human-readable reason.</summary>
    public BrokerException(BrokerErrorCode code, string message) : base(message) => Code = code;

    /// <summary>Creates an exception with a code, a reason and the cause.</summary>
    public BrokerException(BrokerErrorCode code, string message, Exception inner) : base(message, inner) => Code = code;

    /// <summary>Why the operation was refused.</summary>
    public BrokerErrorCode Code { get; }
}
