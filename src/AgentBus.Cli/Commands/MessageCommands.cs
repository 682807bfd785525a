using System.CommandLine;
using System.Globalization;
using AgentBus.Cli.Output;
using AgentBus.Protocol.Admin;
using Google.Protobuf.WellKnownTypes;

namespace AgentBus.Cli.Commands;

/// <summary>message (look up by id or key) and queue peek: stored messages read without consuming them.</summary>
internal static class MessageCommands
{
    public static Command Message(CliApp app)
    {
        var id = new Argument<string?>("id") { Description = "The message id to find.", Arity = ArgumentArity.ZeroOrOne };
        var key = new Option<string?>("--key", "-k") { Description = "Find the messages that carry this key instead." };
        var topic = new Option<string?>("--topic", "-t") { Description = "Only messages of this (parent) topic." };
        var since = new Option<string?>("--since") { Description = "Only messages stored at or after this time (ISO 8601, e.g. 2026-05-01T12:00Z)." };
        var until = new Option<string?>("--until") { Description = "Only messages stored before this time (ISO 8601)." };
        var count = new Option<int>("--count", "-n") { Description = "At most this many, the newest that match (1..1000).", DefaultValueFactory = _ => 20 };
        var command = new Command("message", "Find stored messages by message id or by key (the broker's index of its recent messages).")
        {
            id, key, topic, since, until, count,
        };
        app.SetAction(command, async (parse, output, ct) =>
        {
            string? messageId = parse.GetValue(id), byKey = parse.GetValue(key);
            if (string.IsNullOrEmpty(messageId) == string.IsNullOrEmpty(byKey))
            {
                throw new UsageException("give a message id or --key, one of them.");
            }

            int max = parse.GetValue(count);
            if (max is < 1 or > 1000)
            {
                throw new UsageException("--count must be 1..1000.");
            }

            var request = new LookupMessagesRequest { MessageId = messageId ?? "", Key = byKey ?? "", Topic = parse.GetValue(topic) ?? "", MaxMessages = max };
            if (Time(parse.GetValue(since), "--since") is { } start)
            {
                request.StartTime = start;
            }

            if (Time(parse.GetValue(until), "--until") is { } end)
            {
                request.EndTime = end;
            }

            using var admin = app.Settings.Admin(parse);
            var found = await admin.CallAsync(request, static (c, r, o) => c.LookupMessagesAsync(r, o), ct).ConfigureAwait(false);
            var listing = MessageView.Of(found.Messages, output);
            var indexedSince = found.IndexedSince?.ToDateTimeOffset();
            if (output.IsJson)
            {
                output.WriteJson(new { truncated = found.Truncated, indexedSince, messages = CliOutput.Rows(listing) });
                return;
            }

            output.Write(listing);
            output.Line(found.Truncated
                ? $"{found.Messages.Count} shown; more match: narrow with --topic, --since, --until or raise --count."
                : $"{found.Messages.Count} found.");
        });
        return command;
    }

    public static Command Queue(CliApp app)
    {
        var queue = new Command("queue", "The queues of normal and FIFO topics.");
        var topic = new Argument<string>("topic") { Description = "The topic (not a lite parent: use lite peek for its lite topics)." };
        var queueId = new Option<int>("--queue", "-q") { Description = "The queue id (default 0).", };
        var from = new Option<long>("--from") { Description = "The first offset to read (default 0: the first stored)." };
        var count = new Option<int>("--count", "-n") { Description = "At most this many messages (1..1000).", DefaultValueFactory = _ => 20 };
        var peek = new Command("peek", "Read stored messages of one queue of a topic without consuming them.") { topic, queueId, from, count };
        app.SetAction(peek, async (parse, output, ct) =>
        {
            long fromOffset = parse.GetValue(from);
            int max = parse.GetValue(count);
            int id = parse.GetValue(queueId);
            if (fromOffset < 0 || max is < 1 or > 1000 || id < 0)
            {
                throw new UsageException("--queue and --from must be 0 or more and --count 1..1000.");
            }

            using var admin = app.Settings.Admin(parse);
            var request = new PeekQueueRequest { Topic = parse.GetRequiredValue(topic), QueueId = id, FromOffset = fromOffset, MaxMessages = max };
            var read = await admin.CallAsync(request, static (c, r, o) => c.PeekQueueAsync(r, o), ct).ConfigureAwait(false);
            var listing = MessageView.Of(read.Messages, output);
            if (output.IsJson)
            {
                output.WriteJson(new { topic = request.Topic, queueId = id, minOffset = read.MinOffset, maxOffset = read.MaxOffset, nextOffset = read.NextOffset,
                    messages = CliOutput.Rows(listing) });
                return;
            }

            output.Write(listing, "No messages.");
            output.Line(string.Create(CultureInfo.InvariantCulture,
                $"offsets {read.MinOffset}..{read.MaxOffset}; {(read.NextOffset < read.MaxOffset ? $"more from --from {read.NextOffset}" : "read to the end")}"));
        });
        queue.Subcommands.Add(peek);
        return queue;
    }

    private static Timestamp? Time(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? Timestamp.FromDateTimeOffset(time)
            : throw new UsageException($"{option} '{text}' is not a time (ISO 8601, e.g. 2026-05-01T12:00Z).");
    }
}
