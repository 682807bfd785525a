using System.CommandLine;
using System.Globalization;
using System.Text;
using AgentBus.Cli.Output;
using AgentBus.Protocol.Admin;

namespace AgentBus.Cli.Commands;

/// <summary>lite ls / show / peek / delete and offsets reset: the lite topics of a parent topic.</summary>
internal static class LiteCommands
{
    private const string DefaultParent = "agentbus";
    private const string DefaultGroup = "agentbus";
    private const int BodyPreview = 80;

    public static Command Lite(CliApp app)
    {
        var lite = new Command("lite", "Lite topics of a parent topic: list, show, peek, delete.");
        lite.Subcommands.Add(List(app));
        lite.Subcommands.Add(Show(app));
        lite.Subcommands.Add(Peek(app));
        lite.Subcommands.Add(Delete(app));
        return lite;
    }

    private static Argument<string> ParentArgument() => new("parent") { Description = "The lite parent topic." };

    private static Argument<string> LiteArgument() => new("lite") { Description = "The lite topic under it." };

    private static Command List(CliApp app)
    {
        var parent = new Argument<string>("parent") { Description = $"The lite parent topic (default {DefaultParent}).", DefaultValueFactory = _ => DefaultParent };
        var prefix = new Option<string?>("--prefix", "-p") { Description = "Only lite topics whose name starts with this, e.g. 'agent|'." };
        var subscribed = new Option<bool>("--subscribed", "-s") { Description = "Only lite topics a live client subscribes." };
        var group = new Option<string>("--group", "-g") { Description = $"The consumer group whose backlog is shown (default {DefaultGroup}).", DefaultValueFactory = _ => DefaultGroup };
        var command = new Command("ls", "List lite topics with their stored messages, the group's backlog and live subscribers.") { parent, prefix, subscribed, group };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            var query = new ListLiteTopicsRequest
            {
                ParentTopic = parse.GetRequiredValue(parent),
                Prefix = parse.GetValue(prefix) ?? "",
                SubscribedOnly = parse.GetValue(subscribed),
                ConsumerGroup = parse.GetRequiredValue(group),
                PageSize = 1000,
            };
            var listing = new Listing(new("name", "Lite topic"), new("messages", "Messages"), new("backlog", "Backlog"), new("committedOffset", "Committed"),
                new("maxOffset", "Next offset"), new("subscribers", "Subscribers"), new("lastWriteTime", "Last write"));
            await foreach (var topic in admin.ListLiteTopicsAsync(query, ct).ConfigureAwait(false))
            {
                long? committed = topic.HasCommittedOffset ? topic.CommittedOffset : null;
                long backlog = Math.Max(0, topic.MaxOffset - (committed ?? topic.MinOffset));
                listing.Add(topic.Name, topic.MaxOffset - topic.MinOffset, backlog, committed, topic.MaxOffset, topic.LiveSubscriberCount,
                    topic.LastWriteTime?.ToDateTimeOffset());
            }

            output.Write(listing, "No lite topics.");
        });
        return command;
    }

    private static Command Show(CliApp app)
    {
        var parent = ParentArgument();
        var liteTopic = LiteArgument();
        var command = new Command("show", "Show one lite topic: offsets, last write, TTL, each group's position and its subscribers.") { parent, liteTopic };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            var request = new DescribeLiteTopicRequest { ParentTopic = parse.GetRequiredValue(parent), LiteTopic = parse.GetRequiredValue(liteTopic) };
            var detail = await admin.CallAsync(request, static (c, r, o) => c.DescribeLiteTopicAsync(r, o), ct).ConfigureAwait(false);
            var groups = new Listing(new("consumerGroup", "Group"), new("committedOffset", "Committed"), new("backlog", "Backlog"), new("inflight", "In flight"));
            foreach (var group in detail.Groups)
            {
                groups.Add(group.ConsumerGroup, group.HasCommittedOffset ? group.CommittedOffset : null, group.Backlog, group.Inflight);
            }

            var subscribers = new Listing(new("clientId", "Client"), new("consumerGroup", "Group"), new("live", "Live"));
            foreach (var subscriber in detail.Subscribers)
            {
                subscribers.Add(subscriber.ClientId, subscriber.ConsumerGroup, subscriber.Live);
            }

            output.Write(new Detail()
                .Field("parentTopic", "Parent topic", request.ParentTopic)
                .Field("name", "Lite topic", detail.Name)
                .Field("messages", "Messages", detail.MaxOffset - detail.MinOffset)
                .Field("minOffset", "First offset", detail.MinOffset)
                .Field("maxOffset", "Next offset", detail.MaxOffset)
                .Field("lastWriteTime", "Last write", detail.LastWriteTime?.ToDateTimeOffset())
                .Field("ttlSeconds", "TTL", detail.Ttl?.ToTimeSpan())
                .Field("ttlRemainingSeconds", "TTL remaining", detail.TtlRemaining?.ToTimeSpan())
                .With("groups", "Groups", groups)
                .With("subscribers", "Subscribers", subscribers));
        });
        return command;
    }

    private static Command Peek(CliApp app)
    {
        var parent = ParentArgument();
        var liteTopic = LiteArgument();
        var from = new Option<long>("--from") { Description = "The first offset to read (default 0: the first stored)." };
        var count = new Option<int>("--count", "-n") { Description = "At most this many messages (1..1000).", DefaultValueFactory = _ => 20 };
        var command = new Command("peek", "Read stored messages of a lite topic without consuming them.") { parent, liteTopic, from, count };
        app.SetAction(command, async (parse, output, ct) =>
        {
            long fromOffset = parse.GetValue(from);
            int max = parse.GetValue(count);
            if (fromOffset < 0 || max is < 1 or > 1000)
            {
                throw new UsageException("--from must be 0 or more and --count 1..1000.");
            }

            using var admin = app.Settings.Admin(parse);
            var request = new PeekLiteTopicRequest
            {
                ParentTopic = parse.GetRequiredValue(parent),
                LiteTopic = parse.GetRequiredValue(liteTopic),
                FromOffset = fromOffset,
                MaxMessages = max,
            };
            var read = await admin.PeekLiteTopicAsync(request, ct).ConfigureAwait(false);
            var listing = new Listing(new("offset", "Offset"), new("messageId", "Message id"), new("bornTimestamp", "Born"), new("properties", "Properties"),
                new("body", "Body"));
            foreach (var message in read.Messages)
            {
                string body = Body(message.Body.Span);
                object properties = output.IsJson ? message.Properties
                    : string.Join(" ", message.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
                listing.Add(message.Offset, message.MessageId, message.BornTimestamp, properties,
                    output.IsJson || body.Length <= BodyPreview ? body : string.Concat(body.AsSpan(0, BodyPreview), "…"));
            }

            if (output.IsJson)
            {
                output.WriteJson(new { minOffset = read.MinOffset, maxOffset = read.MaxOffset, nextOffset = read.NextOffset, messages = listing.Rows.Select(r => RowObject(listing, r)) });
                return;
            }

            output.Write(listing, "No messages.");
            output.Line(string.Create(CultureInfo.InvariantCulture,
                $"offsets {read.MinOffset}..{read.MaxOffset}; {(read.NextOffset < read.MaxOffset ? $"more from --from {read.NextOffset}" : "read to the end")}"));
        });
        return command;
    }

    private static Command Delete(CliApp app)
    {
        var parent = ParentArgument();
        var liteTopic = LiteArgument();
        var command = new Command("delete", "Delete a lite topic that no client subscribes, with the messages it holds.") { parent, liteTopic };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            var request = new DeleteLiteTopicRequest { ParentTopic = parse.GetRequiredValue(parent), LiteTopic = parse.GetRequiredValue(liteTopic) };
            var deleted = await admin.CallAsync(request, static (c, r, o) => c.DeleteLiteTopicAsync(r, o), ct).ConfigureAwait(false);
            if (output.IsJson)
            {
                output.WriteJson(new { parentTopic = request.ParentTopic, liteTopic = request.LiteTopic, droppedMessages = deleted.DroppedMessages });
                return;
            }

            output.Line($"Deleted lite topic {request.LiteTopic} of {request.ParentTopic} ({deleted.DroppedMessages} messages).");
        });
        return command;
    }

    public static Command Offsets(CliApp app)
    {
        var parent = ParentArgument();
        var liteTopic = LiteArgument();
        var group = new Option<string>("--group", "-g") { Description = "The consumer group to move.", Required = true };
        var to = new Option<string>("--to") { Description = "min (replay everything stored), max (skip to the end), or an offset.", Required = true };
        var reset = new Command("reset", "Move a consumer group's position on a lite topic.") { parent, liteTopic, group, to };
        app.SetAction(reset, async (parse, output, ct) =>
        {
            string target = parse.GetRequiredValue(to);
            var request = new ResetOffsetRequest
            {
                ParentTopic = parse.GetRequiredValue(parent),
                LiteTopic = parse.GetRequiredValue(liteTopic),
                ConsumerGroup = parse.GetRequiredValue(group),
            };
            if (string.Equals(target, "min", StringComparison.OrdinalIgnoreCase))
            {
                request.Position = ResetPosition.Min;
            }
            else if (string.Equals(target, "max", StringComparison.OrdinalIgnoreCase))
            {
                request.Position = ResetPosition.Max;
            }
            else if (long.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
            {
                (request.Position, request.Offset) = (ResetPosition.Offset, offset);
            }
            else
            {
                throw new UsageException($"--to '{target}' is not min, max or an offset (0 or more).");
            }

            await ResetAsync(app, parse, output, request, ct).ConfigureAwait(false);
        });
        var offsets = new Command("offsets", "Consumer group positions.");
        offsets.Subcommands.Add(reset);
        return offsets;
    }

    /// <summary>Moves a group's position (ResetOffset) and prints where it was and where it is.</summary>
    public static async Task ResetAsync(CliApp app, ParseResult parse, CliOutput output, ResetOffsetRequest request, CancellationToken ct)
    {
        using var admin = app.Settings.Admin(parse);
        var done = await admin.CallAsync(request, static (c, r, o) => c.ResetOffsetAsync(r, o), ct).ConfigureAwait(false);
        long? previous = done.HasPreviousOffset ? done.PreviousOffset : null;
        if (output.IsJson)
        {
            output.WriteJson(new { parentTopic = request.ParentTopic, liteTopic = request.LiteTopic, consumerGroup = request.ConsumerGroup,
                previousOffset = previous, committedOffset = done.CommittedOffset, minOffset = done.MinOffset, maxOffset = done.MaxOffset });
            return;
        }

        output.Line(string.Create(CultureInfo.InvariantCulture,
            $"Group {request.ConsumerGroup} on {request.LiteTopic}: {(previous is { } p ? p.ToString(CultureInfo.InvariantCulture) : "no position")} -> {done.CommittedOffset} (offsets {done.MinOffset}..{done.MaxOffset})."));
    }

    private static Dictionary<string, object?> RowObject(Listing listing, object?[] row)
    {
        var json = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (int i = 0; i < row.Length; i++)
        {
            json[listing.Columns[i].Key] = row[i];
        }

        return json;
    }

    /// <summary>A body as text when it is UTF-8, else as base64 (prefixed so the two cannot be confused).</summary>
    internal static string Body(ReadOnlySpan<byte> body)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return "base64:" + Convert.ToBase64String(body);
        }
    }
}
