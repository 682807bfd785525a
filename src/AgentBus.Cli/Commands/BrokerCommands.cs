using System.CommandLine;
using AgentBus.Cli.Output;
using AgentBus.Protocol.Admin;

namespace AgentBus.Cli.Commands;

/// <summary>topics, groups and clients: what the broker defines and who is connected.</summary>
internal static class BrokerCommands
{
    private const int PageSize = 1000;

    public static Command Topics(CliApp app)
    {
        var name = new Argument<string?>("topic") { Description = "Show this topic in detail.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("topics", "List topics (type, queues, messages, lite topics, TTL, groups), or show one.") { name };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            if (parse.GetValue(name) is { } topicName)
            {
                var topic = (await admin.CallAsync(new DescribeTopicRequest { Topic = topicName }, static (c, r, o) => c.DescribeTopicAsync(r, o), ct).ConfigureAwait(false)).Topic;
                output.Write(TopicDetail(topic, output));
                return;
            }

            var listing = new Listing(new("name", "Topic"), new("messageType", "Type"), new("queueCount", "Queues"), new("liteTopicCount", "Lite topics"),
                new("messageCount", "Messages"), new("liteTopicTtlSeconds", "Lite TTL"), new("groups", "Groups"));
            var request = new ListTopicsRequest { PageSize = PageSize };
            do
            {
                var page = await admin.CallAsync(request, static (c, r, o) => c.ListTopicsAsync(r, o), ct).ConfigureAwait(false);
                foreach (var topic in page.Topics)
                {
                    listing.Add(topic.Name, topic.MessageType.ToString().ToUpperInvariant(), topic.QueueCount, topic.LiteTopicCount, topic.MessageCount,
                        topic.LiteTopicTtl?.ToTimeSpan(), output.IsJson ? topic.Groups.ToArray() : string.Join(", ", topic.Groups));
                }

                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            output.Write(listing, "No topics.");
        });
        return command;
    }

    public static Command Groups(CliApp app)
    {
        var name = new Argument<string?>("group") { Description = "Show this group in detail, with its backlog per topic.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("groups", "List consumer groups (bound topic, FIFO, lite mode, max attempts, live clients), or show one.") { name };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            if (parse.GetValue(name) is { } groupName)
            {
                var group = (await admin.CallAsync(new DescribeGroupRequest { ConsumerGroup = groupName }, static (c, r, o) => c.DescribeGroupAsync(r, o), ct).ConfigureAwait(false)).Group;
                output.Write(GroupDetail(group, output));
                return;
            }

            var listing = new Listing(new("name", "Group"), new("bindTopic", "Bound to"), new("fifo", "FIFO"), new("liteMode", "Lite mode"),
                new("maxDeliveryAttempts", "Max attempts"), new("liveClientCount", "Live clients"));
            var request = new ListGroupsRequest { PageSize = PageSize };
            do
            {
                var page = await admin.CallAsync(request, static (c, r, o) => c.ListGroupsAsync(r, o), ct).ConfigureAwait(false);
                foreach (var group in page.Groups)
                {
                    listing.Add(group.Name, NullIfEmpty(group.BindTopic), group.Fifo, Mode(group.LiteMode), group.MaxDeliveryAttempts, group.LiveClientCount);
                }

                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            output.Write(listing, "No consumer groups.");
        });
        return command;
    }

    public static Command Clients(CliApp app)
    {
        var group = new Option<string?>("--group", "-g") { Description = "Only clients of this consumer group." };
        var command = new Command("clients", "List connected clients: group, type, lite subscriptions, ready set, in-flight deliveries, last heartbeat.") { group };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            var listing = new Listing(new("clientId", "Client"), new("consumerGroup", "Group"), new("clientType", "Type"), new("liteSubscriptionCount", "Lite subs"),
                new("readySetSize", "Ready set"), new("inflightDeliveries", "In flight"), new("lastHeartbeat", "Last heartbeat"), new("telemetryOpen", "Telemetry"));
            var request = new ListClientsRequest { PageSize = PageSize, ConsumerGroup = parse.GetValue(group) ?? "" };
            do
            {
                var page = await admin.CallAsync(request, static (c, r, o) => c.ListClientsAsync(r, o), ct).ConfigureAwait(false);
                foreach (var client in page.Clients)
                {
                    listing.Add(client.ClientId, NullIfEmpty(client.ConsumerGroup), ClientType(client.ClientType), client.LiteSubscriptionCount, client.ReadySetSize,
                        client.InflightDeliveries, client.LastHeartbeat?.ToDateTimeOffset(), client.TelemetryOpen);
                }

                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            output.Write(listing, "No clients.");
        });
        return command;
    }

    internal static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>One topic as <c>topics NAME</c> shows it.</summary>
    public static Detail TopicDetail(Topic topic, CliOutput output) => new Detail()
        .Field("name", "Topic", topic.Name)
        .Field("messageType", "Type", topic.MessageType.ToString().ToUpperInvariant())
        .Field("queueCount", "Queues", topic.QueueCount)
        .Field("messageCount", "Messages", topic.MessageCount)
        .Field("liteTopicCount", "Lite topics", topic.LiteTopicCount)
        .Field("liteTopicTtlSeconds", "Lite topic TTL", topic.LiteTopicTtl?.ToTimeSpan())
        .Field("groups", "Groups", output.IsJson ? topic.Groups.ToArray() : string.Join(", ", topic.Groups));

    /// <summary>One consumer group as <c>groups NAME</c> shows it.</summary>
    public static Detail GroupDetail(Group group, CliOutput output)
    {
        var backlog = new Listing(new("topic", "Topic"), new("backlog", "Backlog"), new("queuesWithBacklog", "Queues with backlog"), new("inflight", "In flight"));
        foreach (var entry in group.Backlog)
        {
            backlog.Add(entry.Topic, entry.Backlog, entry.QueuesWithBacklog, entry.Inflight);
        }

        return new Detail()
            .Field("name", "Group", group.Name)
            .Field("bindTopic", "Bound to", NullIfEmpty(group.BindTopic))
            .Field("fifo", "FIFO", group.Fifo)
            .Field("liteMode", "Lite mode", Mode(group.LiteMode))
            .Field("maxDeliveryAttempts", "Max attempts", group.MaxDeliveryAttempts)
            .Field("liveClientCount", "Live clients", group.LiveClientCount)
            .With("backlog", "Backlog per topic", backlog);
    }

    private static string Mode(LiteSubscriptionMode mode) => mode == LiteSubscriptionMode.Exclusive ? "exclusive" : "shared";

    private static string ClientType(Apache.Rocketmq.V2.ClientType type) => type switch
    {
        Apache.Rocketmq.V2.ClientType.Producer => "producer",
        Apache.Rocketmq.V2.ClientType.PushConsumer => "push-consumer",
        Apache.Rocketmq.V2.ClientType.SimpleConsumer => "simple-consumer",
        Apache.Rocketmq.V2.ClientType.LitePushConsumer => "lite-push-consumer",
        Apache.Rocketmq.V2.ClientType.LiteSimpleConsumer => "lite-simple-consumer",
        Apache.Rocketmq.V2.ClientType.Unspecified => "unknown",
        _ => type.ToString(),
    };
}
