using AgentBus.Broker.Messages;
using AgentBus.Protocol;
using AgentBus.Protocol.Stream;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Mapping;

/// <summary>
/// One <c>agentbus.v1.ServerFrame</c> as the broker writes it: the answer to a stored send, written from its results
/// (an OK status and one entry per message: OK, message id, queue offset), or to an ack whose entries were all
/// acknowledged (an OK status and one entry per delivery: message id, receipt handle, OK), without building the
/// generated response around them; any other frame as Google.Protobuf writes it. The wire format is the protocol's either way.
/// </summary>
internal abstract class StreamReply
{
    /// <summary>Writes replies (grpc-dotnet never reads them on the server).</summary>
    public static Marshaller<StreamReply> Marshaller { get; } = new(
        static (reply, context) =>
        {
            var message = reply.Message;
            context.SetPayloadLength(message.CalculateSize());
            message.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        static _ => throw new NotSupportedException("Server frames are only written."));

    /// <summary>A frame built as a Google.Protobuf object.</summary>
    public static StreamReply Of(ServerFrame frame) => new Generated(frame);

    /// <summary>The answer to frame <paramref name="id"/>'s send, which stored <paramref name="results"/>.</summary>
    public static StreamReply Sent(ulong id, IReadOnlyList<SendResult> results) => new SendReply(id, results);

    /// <summary>The answer to frame <paramref name="id"/>'s ack, every one of whose <paramref name="entries"/> was acknowledged.</summary>
    public static StreamReply Acked(ulong id, IncomingAck.Entry[] entries) => new AckReply(id, entries);

    /// <summary>The reply as the protocol object (for tests and logs).</summary>
    public abstract ServerFrame ToFrame();

    private protected abstract IMessage Message { get; }

    /// <summary>The OK status, shared and never changed: only written.</summary>
    private static readonly Status Ok = StatusFactory.Ok();

    private static readonly int OkSize = Ok.CalculateSize();

    /// <summary>An OK status as a field of its message: tag, length, status.</summary>
    private static readonly int OkField = 1 + CodedOutputStream.ComputeLengthSize(OkSize) + OkSize;

    private sealed class Generated(ServerFrame frame) : StreamReply
    {
        private protected override IMessage Message => frame;

        public override ServerFrame ToFrame() => frame;
    }

    /// <summary>
    /// AckMessageResponse (ServerFrame field 3): status = 1, entries = 2; AckMessageResultEntry: message_id = 1,
    /// receipt_handle = 2, status = 3.
    /// </summary>
    private sealed class AckReply(ulong id, IncomingAck.Entry[] entries) : StreamReply, IBufferMessage
    {
        private int _responseSize = -1;

        private protected override IMessage Message => this;

        MessageDescriptor IMessage.Descriptor => ServerFrame.Descriptor;

        public override ServerFrame ToFrame()
        {
            var response = new AckMessageResponse { Status = StatusFactory.Ok() };
            foreach (var entry in entries)
            {
                response.Entries.Add(new AckMessageResultEntry { MessageId = entry.MessageId, ReceiptHandle = entry.ReceiptHandle, Status = StatusFactory.Ok() });
            }

            return new ServerFrame { Id = id, Ack = response };
        }

        public int CalculateSize()
        {
            int response = ResponseSize();
            return (id == 0 ? 0 : 1 + CodedOutputStream.ComputeUInt64Size(id)) + 1 + CodedOutputStream.ComputeLengthSize(response) + response;
        }

        private int ResponseSize()
        {
            if (_responseSize < 0)
            {
                int size = OkField;
                foreach (var entry in entries)
                {
                    int length = EntrySize(entry);
                    size += 1 + CodedOutputStream.ComputeLengthSize(length) + length;
                }

                _responseSize = size;
            }

            return _responseSize;
        }

        private static int EntrySize(IncomingAck.Entry entry) =>
            (entry.MessageId.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(entry.MessageId))
            + (entry.ReceiptHandle.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(entry.ReceiptHandle))
            + OkField;

        public void WriteTo(CodedOutputStream output) => output.WriteRawMessage(this);

        public void InternalWriteTo(ref WriteContext output)
        {
            if (id != 0)
            {
                output.WriteTag(1, WireFormat.WireType.Varint);
                output.WriteUInt64(id);
            }

            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteLength(ResponseSize());
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteMessage(Ok);
            foreach (var entry in entries)
            {
                output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                output.WriteLength(EntrySize(entry));
                if (entry.MessageId.Length != 0)
                {
                    output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    output.WriteString(entry.MessageId);
                }

                if (entry.ReceiptHandle.Length != 0)
                {
                    output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                    output.WriteString(entry.ReceiptHandle);
                }

                output.WriteTag(3, WireFormat.WireType.LengthDelimited);
                output.WriteMessage(Ok);
            }
        }

        void IMessage.MergeFrom(CodedInputStream input) => throw new NotSupportedException("An ack reply is only written.");

        void IBufferMessage.InternalMergeFrom(ref ParseContext ctx) => throw new NotSupportedException("An ack reply is only written.");
    }

    private sealed class SendReply(ulong id, IReadOnlyList<SendResult> results) : StreamReply, IBufferMessage
    {
        // ServerFrame: id = 1, send = 2. SendMessageResponse: status = 1, entries = 2.
        // SendResultEntry: status = 1, message_id = 2, offset = 4. Status: code = 1, message = 2.
        private int _responseSize = -1;

        private protected override IMessage Message => this;

        MessageDescriptor IMessage.Descriptor => ServerFrame.Descriptor;

        public override ServerFrame ToFrame()
        {
            var response = new SendMessageResponse { Status = StatusFactory.Ok() };
            foreach (var result in results)
            {
                response.Entries.Add(new SendResultEntry { Status = StatusFactory.Ok(), MessageId = result.MessageId, Offset = result.QueueOffset });
            }

            return new ServerFrame { Id = id, Send = response };
        }

        public int CalculateSize()
        {
            int response = ResponseSize();
            return (id == 0 ? 0 : 1 + CodedOutputStream.ComputeUInt64Size(id)) + 1 + CodedOutputStream.ComputeLengthSize(response) + response;
        }

        private int ResponseSize()
        {
            if (_responseSize < 0)
            {
                int size = 1 + CodedOutputStream.ComputeLengthSize(OkSize) + OkSize;
                for (int i = 0; i < results.Count; i++)
                {
                    int entry = EntrySize(results[i]);
                    size += 1 + CodedOutputStream.ComputeLengthSize(entry) + entry;
                }

                _responseSize = size;
            }

            return _responseSize;
        }

        private static int EntrySize(SendResult result) =>
            1 + CodedOutputStream.ComputeLengthSize(OkSize) + OkSize
            + (result.MessageId.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(result.MessageId))
            + (result.QueueOffset == 0 ? 0 : 1 + CodedOutputStream.ComputeInt64Size(result.QueueOffset));

        public void WriteTo(CodedOutputStream output) => output.WriteRawMessage(this);

        public void InternalWriteTo(ref WriteContext output)
        {
            if (id != 0)
            {
                output.WriteTag(1, WireFormat.WireType.Varint);
                output.WriteUInt64(id);
            }

            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteLength(ResponseSize());
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteMessage(Ok);
            for (int i = 0; i < results.Count; i++)
            {
                var result = results[i];
                output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                output.WriteLength(EntrySize(result));
                output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                output.WriteMessage(Ok);
                if (result.MessageId.Length != 0)
                {
                    output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                    output.WriteString(result.MessageId);
                }

                if (result.QueueOffset != 0)
                {
                    output.WriteTag(4, WireFormat.WireType.Varint);
                    output.WriteInt64(result.QueueOffset);
                }
            }
        }

        void IMessage.MergeFrom(CodedInputStream input) => throw new NotSupportedException("A send reply is only written.");

        void IBufferMessage.InternalMergeFrom(ref ParseContext ctx) => throw new NotSupportedException("A send reply is only written.");
    }
}
