using System.Runtime.CompilerServices;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Grpc.Core;

namespace AgentBus.Server.Errors;

/// <summary>
/// Request bodies that are not valid protobuf. grpc-dotnet decodes a request before any handler or interceptor runs
/// and reports a decoding failure as an unexpected handler error (status UNKNOWN, an error log with a stack trace),
/// although a malformed body is the caller's mistake. The services are bound with <see cref="Lenient"/> request
/// marshallers instead: a body that does not decode becomes an empty placeholder request remembered here, which the
/// handlers answer like any other bad request, with BAD_REQUEST in the response's status. A response without a status
/// field (the admin API's) cannot say so, and its call ends with the gRPC status INVALID_ARGUMENT.
/// </summary>
internal static class MalformedRequests
{
    // Weak keys: a placeholder and its reason go away with the call.
    private static readonly ConditionalWeakTable<object, string> Reasons = new();

    /// <summary>Why <paramref name="request"/> is a placeholder for a body that did not decode, or null for a real request.</summary>
    /// <param name="request">A request a handler received.</param>
    /// <returns>The decoding error, or null.</returns>
    public static string? ReasonOf(object request) => Reasons.TryGetValue(request, out string? reason) ? reason : null;

    /// <summary>Throws a BAD_REQUEST <see cref="RequestException"/> when <paramref name="request"/> stands for a body that did not decode.</summary>
    /// <param name="request">A request a handler received.</param>
    /// <exception cref="RequestException">The body was not a valid message.</exception>
    public static void ThrowIfMalformed(object request)
    {
        if (ReasonOf(request) is { } reason)
        {
            throw new RequestException(Code.BadRequest, reason);
        }
    }

    /// <summary>
    /// <paramref name="marshaller"/> with a deserializer that answers a body that is not a valid message with a placeholder
    /// (when <paramref name="placeholder"/>) or with the gRPC status INVALID_ARGUMENT, never with an unexpected exception.
    /// </summary>
    /// <typeparam name="T">The request message type.</typeparam>
    /// <param name="marshaller">The generated marshaller.</param>
    /// <param name="placeholder">Whether the handlers can answer a placeholder (their response carries a status).</param>
    /// <returns>The lenient marshaller.</returns>
    public static Marshaller<T> Lenient<T>(Marshaller<T> marshaller, bool placeholder)
        where T : class
    {
        var deserialize = marshaller.ContextualDeserializer;
        return new Marshaller<T>(marshaller.ContextualSerializer, context =>
        {
            try
            {
                return deserialize(context);
            }
            catch (InvalidProtocolBufferException ex)
            {
                string reason = $"The request body is not a valid {typeof(T).Name}: {ex.Message}";
                if (!placeholder)
                {
                    throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, reason));
                }

                var request = Activator.CreateInstance<T>();
                Reasons.Add(request, reason);
                return request;
            }
        });
    }
}
