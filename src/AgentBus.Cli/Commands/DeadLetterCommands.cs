using System.CommandLine;
using System.Globalization;
using AgentBus.Cli.Output;
using AgentBus.Protocol.Admin;

namespace AgentBus.Cli.Commands;

/// <summary>dlq ls / peek / replay / purge: a consumer group's dead letters.</summary>
internal static class DeadLetterCommands
{
    public static Command Create(CliApp app)
    {
        var dlq = new Command("dlq", "A consumer group's dead letters: list, read whole, replay to where they came from, purge.");
        dlq.Subcommands.Add(List(app));
        dlq.Subcommands.Add(Peek(app));
        dlq.Subcommands.Add(Replay(app));
        dlq.Subcommands.Add(Purge(app));
        return dlq;
    }

    private static Argument<string> GroupArgument() => new("group") { Description = "The consumer group (default agentbus).", DefaultValueFactory = _ => "agentbus" };

    private static Command List(CliApp app)
    {
        var group = GroupArgument();
        var from = new Option<long>("--from") { Description = "The first offset to read (default: the first pending)." };
        var count = new Option<int>("--count", "-n") { Description = "At most this many (1..1000).", DefaultValueFactory = _ => 20 };
        var command = new Command("ls", "List pending dead letters: where each came from and its body.") { group, from, count };
        app.SetAction(command, async (parse, output, ct) =>
        {
            var (request, page) = await ReadPageAsync(app, parse, group, from, count, ct).ConfigureAwait(false);
            var listing = new Listing(new("offset", "Offset"), new("originTopic", "Topic"), new("originLiteTopic", "Lite topic"), new("messageId", "Message id"),
                new("body", "Body"));
            foreach (var message in page.Messages)
            {
                message.SystemProperties ??= new Apache.Rocketmq.V2.SystemProperties();
                string body = LiteCommands.Body(message.Body.Span);
                listing.Add(message.SystemProperties.QueueOffset, message.UserProperties.GetValueOrDefault("DLQ_ORIGIN_TOPIC"),
                    message.UserProperties.GetValueOrDefault("DLQ_ORIGIN_LITE_TOPIC"), message.UserProperties.GetValueOrDefault("DLQ_ORIGIN_MESSAGE_ID") ?? message.SystemProperties.MessageId,
                    output.IsJson || body.Length <= 80 ? body : string.Concat(body.AsSpan(0, 80), "…"));
            }

            long pending = page.MaxOffset - page.FirstPending;
            if (output.IsJson)
            {
                output.WriteJson(new { consumerGroup = request.ConsumerGroup, pending, firstPending = page.FirstPending, nextOffset = page.NextOffset,
                    messages = listing.Rows.Select(row => listing.Columns.Select((c, i) => (c.Key, Value: row[i])).ToDictionary(p => p.Key, p => p.Value)) });
                return;
            }

            output.Write(listing, $"No pending dead letters for {request.ConsumerGroup}.");
            if (listing.Rows.Count > 0)
            {
                output.Line($"{pending} pending");
            }
        });
        return command;
    }

    /// <summary>One page of a group's pending dead letters, as <c>--from</c> and <c>--count</c> ask.</summary>
    private static async Task<(ListDeadLettersRequest Request, ListDeadLettersResponse Page)> ReadPageAsync(CliApp app, ParseResult parse,
        Argument<string> group, Option<long> from, Option<int> count, CancellationToken ct)
    {
        long fromOffset = parse.GetValue(from);
        int max = parse.GetValue(count);
        if (fromOffset < 0 || max is < 1 or > 1000)
        {
            throw new UsageException("--from must be 0 or more and --count 1..1000.");
        }

        using var admin = app.Settings.Admin(parse);
        var request = new ListDeadLettersRequest { ConsumerGroup = parse.GetRequiredValue(group), FromOffset = fromOffset, MaxMessages = max };
        var page = await admin.CallAsync(request, static (c, r, o) => c.ListDeadLettersAsync(r, o), ct).ConfigureAwait(false);
        return (request, page);
    }

    private static Command Peek(CliApp app)
    {
        var group = GroupArgument();
        var from = new Option<long>("--from") { Description = "The first offset to read (default: the first pending)." };
        var count = new Option<int>("--count", "-n") { Description = "At most this many (1..1000).", DefaultValueFactory = _ => 5 };
        var command = new Command("peek", "Read pending dead letters a page at a time: where each came from, its properties and its whole body.")
        {
            group, from, count,
        };
        app.SetAction(command, async (parse, output, ct) =>
        {
            var (request, page) = await ReadPageAsync(app, parse, group, from, count, ct).ConfigureAwait(false);
            var letters = page.Messages.Select(message =>
            {
                var system = message.SystemProperties ?? new Apache.Rocketmq.V2.SystemProperties();
                var properties = message.UserProperties.Where(p => !p.Key.StartsWith("DLQ_ORIGIN_", StringComparison.Ordinal))
                    .OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
                return new
                {
                    offset = system.QueueOffset,
                    originTopic = message.UserProperties.GetValueOrDefault("DLQ_ORIGIN_TOPIC"),
                    originLiteTopic = message.UserProperties.GetValueOrDefault("DLQ_ORIGIN_LITE_TOPIC"),
                    messageId = message.UserProperties.GetValueOrDefault("DLQ_ORIGIN_MESSAGE_ID") ?? system.MessageId,
                    storeTime = system.StoreTimestamp?.ToDateTimeOffset(),
                    properties,
                    body = LiteCommands.Body(message.Body.Span),
                };
            }).ToList();
            if (output.IsJson)
            {
                output.WriteJson(new { consumerGroup = request.ConsumerGroup, firstPending = page.FirstPending, maxOffset = page.MaxOffset, nextOffset = page.NextOffset,
                    messages = letters });
                return;
            }

            if (letters.Count == 0)
            {
                output.Line($"No pending dead letters for {request.ConsumerGroup} from offset {request.FromOffset}.");
                return;
            }

            foreach (var letter in letters)
            {
                string origin = letter.originLiteTopic is { } lite ? $"{letter.originTopic} / {lite}" : letter.originTopic ?? "-";
                output.Line(string.Create(CultureInfo.InvariantCulture, $"── offset {letter.offset} · {origin} · {letter.messageId} · stored {CliOutput.Human(letter.storeTime)}"));
                if (letter.properties.Count > 0)
                {
                    output.Line(string.Join(" ", letter.properties.Select(p => $"{p.Key}={p.Value}")));
                }

                output.Line(letter.body);
            }

            string more = page.NextOffset < page.MaxOffset ? $"more from --from {page.NextOffset}" : "read to the end";
            output.Line(string.Create(CultureInfo.InvariantCulture, $"{page.MaxOffset - page.FirstPending} pending; {more}"));
        });
        return command;
    }

    private static Command Replay(CliApp app)
    {
        var group = GroupArgument();
        var count = new Option<int>("--count", "-n") { Description = "At most this many, oldest first (1..1000).", DefaultValueFactory = _ => 100 };
        var command = new Command("replay", "Send pending dead letters back to the lite topic (or topic) each came from.") { group, count };
        app.SetAction(command, async (parse, output, ct) =>
        {
            int max = parse.GetValue(count);
            if (max is < 1 or > 1000)
            {
                throw new UsageException("--count must be 1..1000.");
            }

            using var admin = app.Settings.Admin(parse);
            var request = new ReplayDeadLettersRequest { ConsumerGroup = parse.GetRequiredValue(group), MaxMessages = max };
            var done = await admin.CallAsync(request, static (c, r, o) => c.ReplayDeadLettersAsync(r, o), ct).ConfigureAwait(false);
            if (output.IsJson)
            {
                output.WriteJson(new { consumerGroup = request.ConsumerGroup, replayed = done.Replayed, remaining = done.Remaining });
                return;
            }

            output.Line($"Replayed {done.Replayed} dead letter(s) of {request.ConsumerGroup}; {done.Remaining} remain.");
        });
        return command;
    }

    private static Command Purge(CliApp app)
    {
        var group = GroupArgument();
        var command = new Command("purge", "Mark every pending dead letter of a group done without replaying it.") { group };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            var request = new PurgeDeadLettersRequest { ConsumerGroup = parse.GetRequiredValue(group) };
            var done = await admin.CallAsync(request, static (c, r, o) => c.PurgeDeadLettersAsync(r, o), ct).ConfigureAwait(false);
            if (output.IsJson)
            {
                output.WriteJson(new { consumerGroup = request.ConsumerGroup, purged = done.Purged });
                return;
            }

            output.Line($"Purged {done.Purged} dead letter(s) of {request.ConsumerGroup}.");
        });
        return command;
    }
}
