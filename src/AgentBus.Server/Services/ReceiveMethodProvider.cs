using AgentBus.Server.Errors;
using AgentBus.Server.Mapping;
using Apache.Rocketmq.V2;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace AgentBus.Server.Services;

/// <summary>
/// Binds MessagingService's ReceiveMessage with <see cref="ReceiveReply"/> responses, so deliveries are encoded
/// from their stored records (<see cref="DeliveryEncoder"/>) rather than through Google.Protobuf objects. Same method
/// path, request marshaller and wire format as the generated binding, which <see cref="MessagingService.BindService"/>
/// leaves this one method out of.
/// </summary>
internal sealed class ReceiveMethodProvider : IServiceMethodProvider<MessagingService>
{
    public const string MethodName = nameof(MessagingService.ReceiveMessage);

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<MessagingService> context)
    {
        var generated = GeneratedMethod();
        var method = new Method<ReceiveMessageRequest, ReceiveReply>(generated.Type, generated.ServiceName, generated.Name,
            LenientRequestBinder.LenientRequests<ReceiveMessageRequest, ReceiveReply>(generated.RequestMarshaller), ReceiveReply.Marshaller);
        context.AddServerStreamingMethod(method, [], static (service, request, stream, call) => service.ReceiveMessageAsync(request, stream, call));
    }

    /// <summary>The generated method descriptor (its request marshaller is private to the generated code).</summary>
    private static Method<ReceiveMessageRequest, ReceiveMessageResponse> GeneratedMethod()
    {
        var finder = new Finder();
        Apache.Rocketmq.V2.MessagingService.BindService(finder, null);
        return finder.Found ?? throw new InvalidOperationException("The generated MessagingService has no ReceiveMessage method.");
    }

    private sealed class Finder : ServiceBinderBase
    {
        public Method<ReceiveMessageRequest, ReceiveMessageResponse>? Found { get; private set; }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            if (method is Method<ReceiveMessageRequest, ReceiveMessageResponse> { Name: MethodName } receive)
            {
                Found = receive;
            }
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
        }
    }
}
