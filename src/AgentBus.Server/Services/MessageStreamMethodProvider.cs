using AgentBus.Protocol.Stream;
using AgentBus.Server.Mapping;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace AgentBus.Server.Services;

/// <summary>
/// Binds <c>agentbus.v1.MessageStream/Open</c> with <see cref="IncomingFrame"/> requests, so sends are decoded from
/// the wire straight into records rather than through Google.Protobuf objects. Same method path and wire format as
/// the generated binding, which <see cref="MessageStreamService.BindService"/> leaves out.
/// </summary>
internal sealed class MessageStreamMethodProvider : IServiceMethodProvider<MessageStreamService>
{
    public const string MethodName = "Open";

    private static readonly Marshaller<ServerFrame> Replies = new(
        static (frame, context) =>
        {
            context.SetPayloadLength(frame.CalculateSize());
            frame.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        static _ => throw new NotSupportedException("Server frames are only written."));

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<MessageStreamService> context)
    {
        var method = new Method<IncomingFrame, ServerFrame>(MethodType.DuplexStreaming, MessageStream.Descriptor.FullName, MethodName,
            IncomingFrame.Marshaller, Replies);
        context.AddDuplexStreamingMethod(method, [], static (service, frames, replies, call) => service.OpenAsync(frames, replies, call));
    }
}
