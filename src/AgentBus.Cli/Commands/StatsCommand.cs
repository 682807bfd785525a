using System.CommandLine;
using System.Globalization;
using AgentBus.Cli.Output;
using AgentBus.Protocol.Admin;

namespace AgentBus.Cli.Commands;

/// <summary>stats [--watch]: the broker's totals and what it holds; watching adds rates per second.</summary>
internal static class StatsCommand
{
    public static Command Create(CliApp app)
    {
        var watch = new Option<bool>("--watch", "-w") { Description = "Refresh until Ctrl+C, one line per interval with rates." };
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes with --watch.", DefaultValueFactory = _ => 2 };
        var count = new Option<int>("--count") { Description = "With --watch, stop after this many refreshes (0: until Ctrl+C)." };
        var command = new Command("stats", "Broker totals: messages in/out, bytes, lite topics, subscriptions, clients, commit log.") { watch, interval, count };
        app.SetAction(command, async (parse, output, ct) =>
        {
            double seconds = parse.GetValue(interval);
            int refreshes = parse.GetValue(count);
            if (seconds is < 0.1 or > 3600 || refreshes < 0)
            {
                throw new UsageException("--interval must be 0.1..3600 seconds and --count 0 or more.");
            }

            using var admin = app.Settings.Admin(parse);
            var stats = await GetAsync(admin, ct).ConfigureAwait(false);
            if (!parse.GetValue(watch))
            {
                output.Write(Describe(stats));
                return;
            }

            output.Line("time      msgs-in   in/s     msgs-out  out/s    acked     lite-topics  clients  log-bytes");
            Line(output, stats, null, 0);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
            // Bounded by --count, else by Ctrl+C (the token).
            for (int done = 1; refreshes == 0 || done < refreshes; done++)
            {
                await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
                var next = await GetAsync(admin, ct).ConfigureAwait(false);
                Line(output, next, stats, seconds);
                stats = next;
            }
        });
        return command;
    }

    private static Task<GetBrokerStatsResponse> GetAsync(Client.Admin.BrokerAdmin admin, CancellationToken ct) =>
        admin.CallAsync(new GetBrokerStatsRequest(), static (c, r, o) => c.GetBrokerStatsAsync(r, o), ct);

    private static Detail Describe(GetBrokerStatsResponse stats) => new Detail()
        .Field("startTime", "Started", stats.StartTime?.ToDateTimeOffset())
        .Field("messagesIn", "Messages in", stats.MessagesIn)
        .Field("bytesIn", "Bytes in", stats.BytesIn)
        .Field("messagesOut", "Messages out", stats.MessagesOut)
        .Field("messagesAcked", "Acknowledged", stats.MessagesAcked)
        .Field("topicCount", "Topics", stats.TopicCount)
        .Field("groupCount", "Groups", stats.GroupCount)
        .Field("liteTopicCount", "Lite topics", stats.LiteTopicCount)
        .Field("liteSubscriptionCount", "Lite subscriptions", stats.LiteSubscriptionCount)
        .Field("clientCount", "Clients", stats.ClientCount)
        .Field("liteClientCount", "Lite clients", stats.LiteClientCount)
        .Field("commitLogBytes", "Commit log bytes", stats.CommitLogBytes)
        .Field("segmentCount", "Segments", stats.SegmentCount);

    private static void Line(CliOutput output, GetBrokerStatsResponse stats, GetBrokerStatsResponse? before, double seconds)
    {
        double inRate = before is null ? 0 : (stats.MessagesIn - before.MessagesIn) / seconds;
        double outRate = before is null ? 0 : (stats.MessagesOut - before.MessagesOut) / seconds;
        if (output.IsJson)
        {
            // One JSON object per line, so a script reads the stream line by line.
            output.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                time = DateTimeOffset.UtcNow,
                messagesIn = stats.MessagesIn,
                messagesInPerSecond = Math.Round(inRate, 1),
                messagesOut = stats.MessagesOut,
                messagesOutPerSecond = Math.Round(outRate, 1),
                messagesAcked = stats.MessagesAcked,
                liteTopicCount = stats.LiteTopicCount,
                clientCount = stats.ClientCount,
                commitLogBytes = stats.CommitLogBytes,
            }));
            return;
        }

        output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:HH:mm:ss}  {stats.MessagesIn,-9} {inRate,-8:0.#} {stats.MessagesOut,-9} {outRate,-8:0.#} {stats.MessagesAcked,-9} {stats.LiteTopicCount,-12} {stats.ClientCount,-8} {stats.CommitLogBytes}"));
    }
}
