using AgentBus.Client.Messages;
using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AgentBus.Client.Transport;

/// <summary>
/// The MessagingService stub, plus ReceiveMessage with its responses decoded by <see cref="ReceiveResponseDecoder"/>
/// (straight into message views) instead of into Google.Protobuf objects. Same method, same wire format: it works
/// against any broker that speaks the protocol.
/// </summary>
internal sealed class BrokerClient : MessagingService.MessagingServiceClient
{
    private static readonly Method<ReceiveMessageRequest, object> ReceiveMethod = new(
        MethodType.ServerStreaming,
        "apache.rocketmq.v2.MessagingService",
        "ReceiveMessage",
        Marshallers.Create<ReceiveMessageRequest>(
            static (request, context) =>
            {
                context.SetPayloadLength(request.CalculateSize());
                Google.Protobuf.MessageExtensions.WriteTo(request, context.GetBufferWriter());
                context.Complete();
            },
            static context => ReceiveMessageRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence())),
        Marshallers.Create<object>(
            static (_, _) => throw new NotSupportedException("Receive responses are only decoded."),
            ReceiveResponseDecoder.Decode));

    public BrokerClient(ChannelBase channel)
        : base(channel)
    {
    }

    /// <summary>
    /// Starts a receive whose stream yields a <see cref="MessageView"/> per delivered message (its queue and endpoint
    /// still to be set), the closing <see cref="Apache.Rocketmq.V2.Status"/>, or <see cref="ReceiveResponseDecoder.Ignored"/>.
    /// </summary>
    public AsyncServerStreamingCall<object> ReceiveDecoded(ReceiveMessageRequest request, CallOptions options) =>
        CallInvoker.AsyncServerStreamingCall(ReceiveMethod, null, options, request);
}
