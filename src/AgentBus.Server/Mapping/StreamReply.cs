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
/// generated response around them; any other frame as Google.Protobuf writes it. The wire format is the protocol's
/// either way.
/// </summary>
internal abstract class StreamReply
{
    /// <summary>The OK status, shared and never changed: only written.</summary>
    private static readonly Status Ok = StatusFactory.Ok();

    private static readonly int OkSize = Ok.CalculateSize();

    /// <summary>An OK status as a field of its message: tag, length, status.</summary>
    private static readonly int OkField = 1 + CodedOutputStream.ComputeLengthSize(OkSize) + OkSize;

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

    private sealed class Generated(ServerFrame frame) : StreamReply
    {
        private protected override IMessage Message => frame;

        public override ServerFrame ToFrame() => frame;
    }

    /// <summary>
    /// A frame written field by field: its id, then its reply (field <paramref name="field"/>) as a response of an OK
    /// status (field 1) and entries (field 2), each entry as the subclass writes it.
    /// </summary>
    private abstract class Written<TEntry>(ulong id, int field, IReadOnlyList<TEntry> entries) : StreamReply, IBufferMessage
    {
        private int _responseSize = -1;

        private protected override IMessage Message => this;

        MessageDescriptor IMessage.Descriptor => ServerFrame.Descriptor;

        protected ulong Id => id;

        protected IReadOnlyList<TEntry> Entries => entries;

        public int CalculateSize()
        {
            int response = ResponseSize();
            return (id == 0 ? 0 : 1 + CodedOutputStream.ComputeUInt64Size(id)) + 1 + CodedOutputStream.ComputeLengthSize(response) + response;
        }

        public void WriteTo(CodedOutputStream output) => output.WriteRawMessage(this);

        public void InternalWriteTo(ref WriteContext output)
        {
            if (id != 0)
            {
                output.WriteTag(1, WireFormat.WireType.Varint);
                output.WriteUInt64(id);
            }

            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteLength(ResponseSize());
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteMessage(Ok);
            for (int i = 0; i < entries.Count; i++)
            {
                output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                output.WriteLength(EntrySize(entries[i]));
                WriteEntry(ref output, entries[i]);
            }
        }

        /// <summary>The bytes of one entry's fields.</summary>
        protected abstract int EntrySize(TEntry entry);

        protected abstract void WriteEntry(ref WriteContext output, TEntry entry);

        /// <summary>An OK status as field <paramref name="number"/> of an entry.</summary>
        protected static void WriteOk(ref WriteContext output, int number)
        {
            output.WriteTag(number, WireFormat.WireType.LengthDelimited);
            output.WriteMessage(Ok);
        }

        protected static int StringSize(string value) => value.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(value);

        /// <summary>A string field, left out when empty as proto3 does.</summary>
        protected static void WriteString(ref WriteContext output, int number, string value)
        {
            if (value.Length != 0)
            {
                output.WriteTag(number, WireFormat.WireType.LengthDelimited);
                output.WriteString(value);
            }
        }

        private int ResponseSize()
        {
            if (_responseSize < 0)
            {
                int size = OkField;
                for (int i = 0; i < entries.Count; i++)
                {
                    int entry = EntrySize(entries[i]);
                    size += 1 + CodedOutputStream.ComputeLengthSize(entry) + entry;
                }

                _responseSize = size;
            }

            return _responseSize;
        }

        void IMessage.MergeFrom(CodedInputStream input) => throw new NotSupportedException("A written reply is only written.");

        void IBufferMessage.InternalMergeFrom(ref ParseContext ctx) => throw new NotSupportedException("A written reply is only written.");
    }

    /// <summary>ServerFrame.send: SendMessageResponse; SendResultEntry: status = 1, message_id = 2, offset = 4.</summary>
    private sealed class SendReply(ulong id, IReadOnlyList<SendResult> results) : Written<SendResult>(id, 2, results)
    {
        public override ServerFrame ToFrame()
        {
            var response = new SendMessageResponse { Status = StatusFactory.Ok() };
            foreach (var result in Entries)
            {
                response.Entries.Add(new SendResultEntry { Status = StatusFactory.Ok(), MessageId = result.MessageId, Offset = result.QueueOffset });
            }

            return new ServerFrame { Id = Id, Send = response };
        }

        protected override int EntrySize(SendResult result) =>
            OkField + StringSize(result.MessageId) + (result.QueueOffset == 0 ? 0 : 1 + CodedOutputStream.ComputeInt64Size(result.QueueOffset));

        protected override void WriteEntry(ref WriteContext output, SendResult result)
        {
            WriteOk(ref output, 1);
            WriteString(ref output, 2, result.MessageId);
            if (result.QueueOffset != 0)
            {
                output.WriteTag(4, WireFormat.WireType.Varint);
                output.WriteInt64(result.QueueOffset);
            }
        }
    }

    /// <summary>ServerFrame.ack: AckMessageResponse; AckMessageResultEntry: message_id = 1, receipt_handle = 2, status = 3.</summary>
    private sealed class AckReply(ulong id, IncomingAck.Entry[] entries) : Written<IncomingAck.Entry>(id, 3, entries)
    {
        public override ServerFrame ToFrame()
        {
            var response = new AckMessageResponse { Status = StatusFactory.Ok() };
            foreach (var entry in Entries)
            {
                response.Entries.Add(new AckMessageResultEntry { MessageId = entry.MessageId, ReceiptHandle = entry.ReceiptHandle, Status = StatusFactory.Ok() });
            }

            return new ServerFrame { Id = Id, Ack = response };
        }

        protected override int EntrySize(IncomingAck.Entry entry) => StringSize(entry.MessageId) + StringSize(entry.ReceiptHandle) + OkField;

        protected override void WriteEntry(ref WriteContext output, IncomingAck.Entry entry)
        {
            WriteString(ref output, 1, entry.MessageId);
            WriteString(ref output, 2, entry.ReceiptHandle);
            WriteOk(ref output, 3);
        }
    }
}
