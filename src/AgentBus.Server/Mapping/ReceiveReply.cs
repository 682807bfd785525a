using AgentBus.Broker.Consumption;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Grpc.Core;

namespace AgentBus.Server.Mapping;

/// <summary>
/// One response of a ReceiveMessage stream: a delivery, encoded from its stored record by <see cref="DeliveryEncoder"/>
/// when it is written, or a protocol response (delivery timestamp, status) as Google.Protobuf writes it. The wire
/// format is the protocol's either way.
/// </summary>
internal sealed class ReceiveReply
{
    private readonly ReceiveMessageResponse? _response;
    private readonly Delivery? _delivery;
    private readonly DeliveryEncoding? _encoding;

    private ReceiveReply(ReceiveMessageResponse? response, Delivery? delivery, DeliveryEncoding? encoding)
    {
        _response = response;
        _delivery = delivery;
        _encoding = encoding;
    }

    /// <summary>Writes replies (grpc-dotnet never reads them on the server).</summary>
    public static Marshaller<ReceiveReply> Marshaller { get; } = Marshallers.Create<ReceiveReply>(
        static (reply, context) => reply.WriteTo(context),
        static _ => throw new NotSupportedException("Receive replies are only written."));

    public static ReceiveReply Of(ReceiveMessageResponse response) => new(response, null, null);

    public static ReceiveReply Of(Delivery delivery, DeliveryEncoding encoding) => new(null, delivery, encoding);

    /// <summary>The reply as the protocol object (what the stream carries, for tests and logs).</summary>
    public ReceiveMessageResponse ToResponse() => _response
        ?? new ReceiveMessageResponse { Message = MessageMapper.ToProto(_delivery!, _encoding!.ResourceNamespace, _encoding.StoreHost, _encoding.Now, _encoding.Crc32Digest) };

    private void WriteTo(SerializationContext context)
    {
        if (_response is { } response)
        {
            context.SetPayloadLength(response.CalculateSize());
            response.WriteTo(context.GetBufferWriter());
        }
        else
        {
            var size = DeliveryEncoder.Measure(_delivery!, _encoding!);
            context.SetPayloadLength(size.Total);
            DeliveryEncoder.Write(_delivery!, _encoding!, size, context.GetBufferWriter());
        }

        context.Complete();
    }
}
