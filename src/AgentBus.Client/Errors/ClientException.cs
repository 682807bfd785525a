namespace AgentBus.Client.Errors;

/// <summary>
/// A call the broker refused or that could not be completed. <see cref="Code"/> is the protocol's status code
/// (<c>apache.rocketmq.v2.Code</c>, e.g. 40020 for an illegal lite topic), 0 for failures that carry none
/// (network errors); <see cref="RequestId"/> is the <c>x-mq-request-id</c> of the failed call, for the broker's logs.
/// </summary>
public class ClientException : Exception
{
    /// <summary>Creates an exception with a code.</summary>
    /// <param name="code">Protocol status code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="requestId">Request id of the call, if any.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public ClientException(int code, string message, string? requestId = null, Exception? inner = null)
        : base(Describe(code, message, requestId), inner)
    {
        Code = code;
        RequestId = requestId;
        StatusMessage = message;
    }

    /// <summary>Creates an exception without a code.</summary>
    public ClientException()
        : this(0, "Client error.")
    {
    }

    /// <summary>Creates an exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    public ClientException(string message)
        : this(0, message)
    {
    }

    /// <summary>Creates an exception without a code.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The underlying exception.</param>
    public ClientException(string message, Exception inner)
        : this(0, message, null, inner)
    {
    }

    /// <summary>The protocol status code; 0 when the failure carried none.</summary>
    public int Code { get; }

    /// <summary>The request id (<c>x-mq-request-id</c>) of the failed call, when known.</summary>
    public string? RequestId { get; }

    /// <summary>The broker's (or the client's) explanation, without the code and request id.</summary>
    public string StatusMessage { get; }

    private static string Describe(int code, string message, string? requestId) =>
        (code, requestId) switch
        {
            (0, null) => message,
            (0, _) => $"{message} (request {requestId})",
            (_, null) => $"[{code}] {message}",
            _ => $"[{code}] {message} (request {requestId})",
        };
}
