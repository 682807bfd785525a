using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace AgentBus.Client.Transport;

/// <summary>
/// One <c>agentbus.v1.ClientFrame</c> as written: its id and its command (a send written by
/// <see cref="Producing.OutgoingBatch"/>, or a generated request), without building the generated frame around it.
/// </summary>
internal sealed class OutgoingFrame : IBufferMessage
{
    /// <summary>Field numbers of the frame's commands.</summary>
    public const int Send = 2, Ack = 3, ChangeInvisibleDuration = 4;

    private readonly IMessage _command;
    private readonly int _field;
    private int _commandSize = -1;

    public OutgoingFrame(ulong id, int field, IMessage command)
    {
        Id = id;
        _field = field;
        _command = command;
    }

    public ulong Id { get; }

    /// <summary>
    /// Where the frame is: <see cref="Queued"/>, <see cref="Writing"/>, <see cref="Written"/>, or <see cref="Abandoned"/>
    /// (its caller gave up before it was written: the writer skips it).
    /// </summary>
    public int State;

    public const int Queued = 0, Writing = 1, Written = 2, Abandoned = 3;

    MessageDescriptor IMessage.Descriptor => AgentBus.Protocol.Stream.ClientFrame.Descriptor;

    public int CalculateSize()
    {
        if (_commandSize < 0)
        {
            _commandSize = _command.CalculateSize();
        }

        return 1 + CodedOutputStream.ComputeUInt64Size(Id) + 1 + CodedOutputStream.ComputeLengthSize(_commandSize) + _commandSize;
    }

    public void WriteTo(CodedOutputStream output) => output.WriteRawMessage(this);

    public void InternalWriteTo(ref WriteContext output)
    {
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteUInt64(Id);
        output.WriteTag(_field, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(_command);
    }

    void IMessage.MergeFrom(CodedInputStream input) => throw new NotSupportedException("An outgoing frame is only written.");

    void IBufferMessage.InternalMergeFrom(ref ParseContext ctx) => throw new NotSupportedException("An outgoing frame is only written.");
}
