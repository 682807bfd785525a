using Google.Protobuf;
using Google.Protobuf.Reflection;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Auth;

/// <summary>
/// Builds a response of any MessagingService RPC that carries only a <see cref="Status"/>: every response message of
/// the protocol (and <c>TelemetryCommand</c>) has a field <c>status</c>, so a refusal made before the call reaches its
/// handler is answered the way handlers answer theirs.
/// </summary>
/// <typeparam name="TResponse">The generated response message type.</typeparam>
internal static class StatusReply<TResponse>
    where TResponse : class
{
    private static readonly FieldDescriptor? StatusField = Find();

    /// <summary>Whether the response type has a status field (every MessagingService response has).</summary>
    public static bool HasStatus => StatusField is not null || typeof(TResponse) == typeof(Mapping.ReceiveReply)
        || typeof(TResponse) == typeof(AgentBus.Protocol.Stream.ServerFrame);

    /// <summary>A response carrying <paramref name="status"/>, or null when the type has no status field.</summary>
    public static TResponse? Create(Status status)
    {
        if (typeof(TResponse) == typeof(Mapping.ReceiveReply))
        {
            // ReceiveMessage's responses, written by the server's own encoder.
            return (TResponse)(object)Mapping.ReceiveReply.Of(new Apache.Rocketmq.V2.ReceiveMessageResponse { Status = status });
        }

        if (typeof(TResponse) == typeof(AgentBus.Protocol.Stream.ServerFrame))
        {
            // The message stream: a refusal of the stream as a whole, not of one of its commands (id 0).
            return (TResponse)(object)new AgentBus.Protocol.Stream.ServerFrame { Refused = status };
        }

        if (StatusField is null)
        {
            return null;
        }

        var response = Activator.CreateInstance<TResponse>();
        StatusField.Accessor.SetValue((IMessage)response, status);
        return response;
    }

    private static FieldDescriptor? Find() =>
        typeof(IMessage).IsAssignableFrom(typeof(TResponse))
            && Activator.CreateInstance<TResponse>() is IMessage message
            && message.Descriptor.FindFieldByName("status") is { FieldType: FieldType.Message } field
            && field.MessageType == Status.Descriptor
            ? field
            : null;
}
