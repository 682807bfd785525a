using AgentBus.Client.Consuming;
using AgentBus.Client.Messages;
using AgentBus.Client.Producing;
using Apache.Rocketmq.V2;
using Grpc.Core;

namespace AgentBus.Client.Transport;

/// <summary>
/// The MessagingService stub, plus SendMessage with its request written by <see cref="OutgoingBatch"/>, AckMessage
/// with its response decoded by <see cref="AckOutcome"/>, and ReceiveMessage with its responses decoded by <see cref="ReceiveResponseDecoder"/>
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

    private static readonly Method<OutgoingBatch, SendMessageResponse> SendMethod = new(
        MethodType.Unary,
        "apache.rocketmq.v2.MessagingService",
        "SendMessage",
        Marshallers.Create<OutgoingBatch>(
            static (batch, context) =>
            {
                context.SetPayloadLength(batch.CalculateSize());
                Google.Protobuf.MessageExtensions.WriteTo(batch, context.GetBufferWriter());
                context.Complete();
            },
            static _ => throw new NotSupportedException("An outgoing batch is only written.")),
        Marshallers.Create<SendMessageResponse>(
            static (response, context) => context.Complete(Google.Protobuf.MessageExtensions.ToByteArray(response)),
            static context => SendMessageResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    private static readonly Method<AckMessageRequest, AckOutcome> AckMethod = new(
        MethodType.Unary,
        "apache.rocketmq.v2.MessagingService",
        "AckMessage",
        Marshallers.Create<AckMessageRequest>(
            static (request, context) =>
            {
                context.SetPayloadLength(request.CalculateSize());
                Google.Protobuf.MessageExtensions.WriteTo(request, context.GetBufferWriter());
                context.Complete();
            },
            static context => AckMessageRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence())),
        Marshallers.Create<AckOutcome>(
            static (_, _) => throw new NotSupportedException("Ack responses are only decoded."),
            AckOutcome.Decode));

    public BrokerClient(ChannelBase channel)
        : base(channel)
    {
    }

    /// <summary>The channel's call invoker, for the AgentBus message stream on the same connection.</summary>
    public CallInvoker Invoker => CallInvoker;

    /// <summary>Sends a batch written by <see cref="OutgoingBatch"/> (the standard SendMessage call).</summary>
    public AsyncUnaryCall<SendMessageResponse> SendBatch(OutgoingBatch batch, CallOptions options) =>
        CallInvoker.AsyncUnaryCall(SendMethod, null, options, batch);

    /// <summary>Acknowledges, the response decoded by <see cref="AckOutcome"/> (the standard AckMessage call).</summary>
    public AsyncUnaryCall<AckOutcome> AckDecoded(AckMessageRequest request, CallOptions options) =>
        CallInvoker.AsyncUnaryCall(AckMethod, null, options, request);

    /// <summary>
    /// Starts a receive whose stream yields a <see cref="MessageView"/> per delivered message (its queue and endpoint
    /// still to be set), the closing <see cref="Apache.Rocketmq.V2.Status"/>, or <see cref="ReceiveResponseDecoder.Ignored"/>.
    /// </summary>
    public AsyncServerStreamingCall<object> ReceiveDecoded(ReceiveMessageRequest request, CallOptions options) =>
        CallInvoker.AsyncServerStreamingCall(ReceiveMethod, null, options, request);
}
