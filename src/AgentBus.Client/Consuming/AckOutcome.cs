using AgentBus.Protocol.Wire;
using Apache.Rocketmq.V2;
using DeserializationContext = Grpc.Core.DeserializationContext;

namespace AgentBus.Client.Consuming;

/// <summary>
/// What an <c>AckMessageResponse</c> says, decoded for what a consumer does with it: the call's status and each
/// entry's code (with its message when it is not OK). The entries' echoed message ids and receipt handles are skipped
/// instead of becoming strings nobody reads.
/// </summary>
internal sealed class AckOutcome
{
    private const uint StatusTag = (1 << 3) | WireReader.LengthDelimited;
    private const uint EntryTag = (2 << 3) | WireReader.LengthDelimited;
    private const uint EntryStatusTag = (3 << 3) | WireReader.LengthDelimited;
    private static readonly Status[] NoEntries = [];
    private static readonly Status Ok = new() { Code = Code.Ok, Message = "OK" };

    private AckOutcome(Status status, Status[] entries)
    {
        Status = status;
        Entries = entries;
    }

    /// <summary>The call's status.</summary>
    public Status Status { get; }

    /// <summary>Each entry's status in order; one without a status of its own has the call's.</summary>
    public IReadOnlyList<Status> Entries { get; }

    /// <summary>Decodes a response from grpc-dotnet's payload.</summary>
    public static AckOutcome Decode(DeserializationContext context) => WireReader.Decode(context, Decode);

    /// <summary>Decodes one serialized response.</summary>
    public static AckOutcome Decode(ReadOnlySpan<byte> data)
    {
        Status? status = null;
        List<Status?>? entries = null;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case StatusTag:
                    status = ReadStatus(reader.ReadBytes(), status);
                    break;
                case EntryTag:
                    (entries ??= []).Add(ReadEntry(reader.ReadBytes()));
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        status ??= new Status();
        if (entries is null)
        {
            return new AckOutcome(status, NoEntries);
        }

        var result = new Status[entries.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = entries[i] ?? status;
        }

        return new AckOutcome(status, result);
    }

    private static Status? ReadEntry(ReadOnlySpan<byte> data)
    {
        Status? status = null;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            if (tag == EntryStatusTag)
            {
                status = ReadStatus(reader.ReadBytes(), status);
            }
            else
            {
                reader.Skip(tag);
            }
        }

        return status;
    }

    /// <summary>
    /// Reads a status, merging into an earlier occurrence as protobuf does. The usual OK status is one shared instance
    /// (never handed to users, never changed), so a batch of successful acks allocates no status per entry.
    /// </summary>
    private static Status ReadStatus(ReadOnlySpan<byte> data, Status? merged)
    {
        var code = merged?.Code ?? Code.Unspecified;
        string? message = merged?.Message;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag)
            {
                case (1 << 3) | WireReader.Varint:
                    code = (Code)reader.ReadInt32();
                    break;
                case (2 << 3) | WireReader.LengthDelimited:
                    var text = reader.ReadBytes();
                    message = text.SequenceEqual("OK"u8) ? Ok.Message : WireReader.Utf8(text);
                    break;
                default:
                    reader.Skip(tag);
                    break;
            }
        }

        return code == Code.Ok && ReferenceEquals(message, Ok.Message) ? Ok : new Status { Code = code, Message = message ?? "" };
    }
}
