using System.Text.Unicode;
using AgentBus.Protocol.Wire;

namespace AgentBus.Server.Mapping;

/// <summary>
/// An <c>AckMessageRequest</c> of the message stream as the broker reads it (see <see cref="IncomingFrame"/>): the
/// group, the topic and each entry's message id and receipt handle, without the Google.Protobuf graph. An entry's
/// lite topic is informational (the handle names the lite topic) and is not read. Whatever this does not take
/// exactly as the generated parse would — a group or topic that occurs twice (it merges), a field of another wire
/// type, a string that is not valid UTF-8 — is left to Google.Protobuf.
/// </summary>
/// <param name="Group">The group's name; null when the request names no group.</param>
/// <param name="Topic">The topic's name; empty when the request names none.</param>
/// <param name="Entries">The deliveries to acknowledge.</param>
internal sealed record IncomingAck(string? Group, string Topic, IncomingAck.Entry[] Entries)
{
    /// <summary>One delivery to acknowledge.</summary>
    public readonly record struct Entry(string MessageId, string ReceiptHandle);

    /// <summary>The request decoded, or null when Google.Protobuf is to parse it.</summary>
    public static IncomingAck? TryDecode(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> group = default, topic = default;
        bool hasGroup = false, hasTopic = false;
        Entry first = default;
        List<Entry>? more = null;
        int count = 0;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            uint field = tag >> 3;
            if (field is < 1 or > 3)
            {
                reader.Skip(tag);
                continue;
            }

            if ((tag & 7) != WireReader.LengthDelimited || (field == 1 && hasGroup) || (field == 2 && hasTopic))
            {
                return null;
            }

            var value = reader.ReadBytes();
            bool valid = true;
            switch (field)
            {
                case 1:
                    group = IncomingFrame.NameOf(value, out valid);
                    hasGroup = true;
                    break;
                case 2:
                    topic = IncomingFrame.NameOf(value, out valid);
                    hasTopic = true;
                    break;
                default:
                    if (!TryReadEntry(value, out var entry))
                    {
                        return null;
                    }

                    if (count++ == 0)
                    {
                        first = entry;
                    }
                    else
                    {
                        (more ??= [first]).Add(entry);
                    }

                    break;
            }

            if (!valid)
            {
                return null;
            }
        }

        Entry[] entries = more is not null ? [.. more] : count == 1 ? [first] : [];
        return new IncomingAck(hasGroup ? IncomingFrame.Name(group) : null, IncomingFrame.Name(topic), entries);
    }

    private static bool TryReadEntry(ReadOnlySpan<byte> data, out Entry entry)
    {
        entry = default;
        ReadOnlySpan<byte> messageId = default, handle = default;
        var reader = new WireReader(data);
        while (!reader.End)
        {
            uint tag = reader.ReadTag();
            switch (tag >> 3)
            {
                case 1 when (tag & 7) == WireReader.LengthDelimited:
                    messageId = reader.ReadBytes(); // strings: the last occurrence wins
                    break;
                case 2 when (tag & 7) == WireReader.LengthDelimited:
                    handle = reader.ReadBytes();
                    break;
                case 1 or 2:
                    return false;
                default:
                    reader.Skip(tag); // the lite topic, unknown fields
                    break;
            }
        }

        if (!Utf8.IsValid(messageId) || !Utf8.IsValid(handle))
        {
            return false;
        }

        entry = new Entry(WireReader.Utf8(messageId), WireReader.Utf8(handle));
        return true;
    }
}
