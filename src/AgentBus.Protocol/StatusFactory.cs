using Apache.Rocketmq.V2;

namespace AgentBus.Protocol;

/// <summary>
/// Builds the <see cref="Status"/> values that every MessagingService response carries.
/// </summary>
public static class StatusFactory
{
    /// <summary>Default text of a successful status.</summary>
    public const string OkMessage = "OK";

    /// <summary>A status with <see cref="Code.Ok"/> and the message "OK".</summary>
    /// <returns>A new status instance.</returns>
    public static Status Ok() => new() { Code = Code.Ok, Message = OkMessage };

    /// <summary>A status with the given code and message.</summary>
    /// <param name="code">Result code.</param>
    /// <param name="message">Human-readable explanation; <see langword="null"/> is sent as an empty string.</param>
    /// <returns>A new status instance.</returns>
    public static Status Of(Code code, string? message) => new() { Code = code, Message = message ?? string.Empty };

    /// <summary>Whether <paramref name="status"/> is present and reports <see cref="Code.Ok"/>.</summary>
    /// <param name="status">The status to test, possibly absent.</param>
    /// <returns><see langword="true"/> for an OK status.</returns>
    public static bool IsOk(Status? status) => status is { Code: Code.Ok };
}
