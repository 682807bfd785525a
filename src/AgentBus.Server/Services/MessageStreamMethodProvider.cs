using AgentBus.Protocol.Stream;
using AgentBus.Server.Mapping;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace AgentBus.Server.Services;

/// <summary>
/// Binds <c>agentbus.v1.MessageStream/Open</c> with <see cref="IncomingFrame"/> requests and <see cref="StreamReply"/>
/// replies, so sends are decoded from the wire straight into records, and answered from their results, rather than
/// through Google.Protobuf objects. Same method path and wire format as
/// the generated binding, which <see cref="MessageStreamService.BindService"/> leaves out.
/// </summary>
internal sealed class MessageStreamMethodProvider : IServiceMethodProvider<MessageStreamService>
{
    public const string MethodName = "Open";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<MessageStreamService> context)
    {
        var method = new Method<IncomingFrame, StreamReply>(MethodType.DuplexStreaming, MessageStream.Descriptor.FullName, MethodName,
            IncomingFrame.Marshaller, StreamReply.Marshaller);
        context.AddDuplexStreamingMethod(method, [], static (service, frames, replies, call) => service.OpenAsync(frames, replies, call));
    }
}
