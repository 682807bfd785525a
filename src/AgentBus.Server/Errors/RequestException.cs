using Apache.Rocketmq.V2;

namespace AgentBus.Server.Errors;

/// <summary>A request the server refuses before it reaches the engine (missing or malformed fields).</summary>
internal sealed class RequestException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The protocol status code to answer with.</param>
    /// <param name="message">Why the request was refused.</param>
    public RequestException(Code code, string message) : base(message) => Code = code;

    /// <summary>The protocol status code to answer with.</summary>
    public Code Code { get; }
}
