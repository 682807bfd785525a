using AgentBus.Cli.Output;
using Message = Apache.Rocketmq.V2.Message;

namespace AgentBus.Cli.Commands;

/// <summary>Stored messages as the admin API returns them (a lookup, a queue peek), as one listing: where each is stored and its body.</summary>
internal static class MessageView
{
    private const int BodyPreview = 80;

    /// <summary>A row per message; the body cut to a preview for people, whole in JSON (base64: when it is not UTF-8).</summary>
    public static Listing Of(IEnumerable<Message> messages, CliOutput output)
    {
        var listing = new Listing(new("topic", "Topic"), new("liteTopic", "Lite topic"), new("queueId", "Queue"), new("offset", "Offset"),
            new("messageId", "Message id"), new("keys", "Keys"), new("tag", "Tag"), new("bornTime", "Born"), new("storeTime", "Stored"), new("body", "Body"));
        foreach (var message in messages)
        {
            var system = message.SystemProperties ?? new Apache.Rocketmq.V2.SystemProperties();
            string body = LiteCommands.Body(message.Body.Span);
            object keys = output.IsJson ? system.Keys.ToArray() : string.Join(" ", system.Keys);
            listing.Add(message.Topic?.Name, system.HasLiteTopic ? system.LiteTopic : null, system.HasLiteTopic ? null : system.QueueId, system.QueueOffset,
                system.MessageId, keys, system.HasTag ? system.Tag : null, system.BornTimestamp?.ToDateTimeOffset(), system.StoreTimestamp?.ToDateTimeOffset(),
                output.IsJson || body.Length <= BodyPreview ? body : string.Concat(body.AsSpan(0, BodyPreview), "…"));
        }

        return listing;
    }
}
