using System.CommandLine;
using AgentBus.Cli.Output;
using AgentBus.Protocol.Admin;
using Google.Protobuf.WellKnownTypes;
using ProtoMessageType = Apache.Rocketmq.V2.MessageType;

namespace AgentBus.Cli.Commands;

/// <summary>topics create|update|delete and groups create|update|delete: defining what the broker serves.</summary>
internal static class DefinitionCommands
{
    public static void AddTo(Command topics, Command groups, CliApp app)
    {
        topics.Subcommands.Add(TopicCommand(app, update: false));
        topics.Subcommands.Add(TopicCommand(app, update: true));
        topics.Subcommands.Add(DeleteTopic(app));
        groups.Subcommands.Add(GroupCommand(app, update: false));
        groups.Subcommands.Add(GroupCommand(app, update: true));
        groups.Subcommands.Add(DeleteGroup(app));
    }

    private static Command TopicCommand(CliApp app, bool update)
    {
        var name = new Argument<string>("topic") { Description = "The topic." };
        var type = new Option<string?>("--type") { Description = "Message type: lite, normal, fifo, delay or transaction." + (update ? "" : " Required.") };
        var queues = new Option<int?>("--queues") { Description = "Queues of a normal, FIFO, delay or transaction topic (default 4; they can grow, not shrink)." };
        var ttl = new Option<int?>("--ttl") { Description = "Seconds a lite topic lives after its last write (lite parents only; default: the broker's)." };
        var command = update
            ? new Command("update", "Change a topic's type, queues or lite-topic TTL; what it stores stays.") { name, type, queues, ttl }
            : new Command("create", "Create a topic.") { name, type, queues, ttl };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            string topicName = parse.GetValue(name)!;
            Topic topic;
            if (update)
            {
                // What is not given stays as it is.
                topic = (await admin.CallAsync(new DescribeTopicRequest { Topic = topicName }, static (c, r, o) => c.DescribeTopicAsync(r, o), ct).ConfigureAwait(false)).Topic;
                topic.Groups.Clear();
            }
            else
            {
                topic = new Topic { Name = topicName, MessageType = TypeOf(parse.GetValue(type) ?? throw new UsageException("--type is required: lite, normal, fifo, delay or transaction.")) };
            }

            if (update && parse.GetValue(type) is { } newType)
            {
                topic.MessageType = TypeOf(newType);
            }

            if (parse.GetValue(queues) is { } queueCount)
            {
                topic.QueueCount = queueCount > 0 ? queueCount : throw new UsageException("--queues must be positive.");
            }

            if (parse.GetValue(ttl) is { } seconds)
            {
                topic.LiteTopicTtl = seconds > 0 ? Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) : throw new UsageException("--ttl must be a positive number of seconds.");
            }

            var result = update
                ? (await admin.CallAsync(new UpdateTopicRequest { Topic = topic }, static (c, r, o) => c.UpdateTopicAsync(r, o), ct).ConfigureAwait(false)).Topic
                : (await admin.CallAsync(new CreateTopicRequest { Topic = topic }, static (c, r, o) => c.CreateTopicAsync(r, o), ct).ConfigureAwait(false)).Topic;
            output.Write(BrokerCommands.TopicDetail(result, output));
        });
        return command;
    }

    private static Command DeleteTopic(CliApp app)
    {
        var name = new Argument<string>("topic") { Description = "The topic." };
        var command = new Command("delete", "Delete a topic with every lite topic under it and the messages they hold.") { name };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            string topicName = parse.GetValue(name)!;
            await admin.CallAsync(new DeleteTopicRequest { Topic = topicName }, static (c, r, o) => c.DeleteTopicAsync(r, o), ct).ConfigureAwait(false);
            output.Write(new Detail().Field("deleted", "Deleted", topicName));
        });
        return command;
    }

    private static Command GroupCommand(CliApp app, bool update)
    {
        var name = new Argument<string>("group") { Description = "The consumer group." };
        var topic = new Option<string?>("--topic") { Description = "The lite parent topic the group is bound to." };
        var fifo = new Option<bool?>("--fifo") { Description = "Deliver a lite topic's (or message group's) messages one batch at a time." };
        var exclusive = new Option<bool?>("--exclusive") { Description = "A new subscriber of a lite topic evicts the previous one (else shared)." };
        var attempts = new Option<int?>("--max-attempts") { Description = "Deliveries before a message goes to the dead-letter queue (default 16)." };
        var command = update
            ? new Command("update", "Change a consumer group's binding, FIFO, lite mode or max attempts; its positions stay.") { name, topic, fifo, exclusive, attempts }
            : new Command("create", "Create a consumer group.") { name, topic, fifo, exclusive, attempts };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            string groupName = parse.GetValue(name)!;
            var group = update
                ? (await admin.CallAsync(new DescribeGroupRequest { ConsumerGroup = groupName }, static (c, r, o) => c.DescribeGroupAsync(r, o), ct).ConfigureAwait(false)).Group
                : new Group { Name = groupName };
            group.Backlog.Clear();
            if (parse.GetValue(topic) is { } bindTopic)
            {
                group.BindTopic = bindTopic;
            }

            if (parse.GetValue(fifo) is { } isFifo)
            {
                group.Fifo = isFifo;
            }

            if (parse.GetValue(exclusive) is { } isExclusive)
            {
                group.LiteMode = isExclusive ? LiteSubscriptionMode.Exclusive : LiteSubscriptionMode.Shared;
            }

            if (parse.GetValue(attempts) is { } maxAttempts)
            {
                group.MaxDeliveryAttempts = maxAttempts is >= 1 and <= 1000 ? maxAttempts : throw new UsageException("--max-attempts must be 1..1000.");
            }

            var result = update
                ? (await admin.CallAsync(new UpdateGroupRequest { Group = group }, static (c, r, o) => c.UpdateGroupAsync(r, o), ct).ConfigureAwait(false)).Group
                : (await admin.CallAsync(new CreateGroupRequest { Group = group }, static (c, r, o) => c.CreateGroupAsync(r, o), ct).ConfigureAwait(false)).Group;
            output.Write(BrokerCommands.GroupDetail(result, output));
        });
        return command;
    }

    private static Command DeleteGroup(CliApp app)
    {
        var name = new Argument<string>("group") { Description = "The consumer group." };
        var command = new Command("delete", "Delete a consumer group.") { name };
        app.SetAction(command, async (parse, output, ct) =>
        {
            using var admin = app.Settings.Admin(parse);
            string groupName = parse.GetValue(name)!;
            await admin.CallAsync(new DeleteGroupRequest { Group = groupName }, static (c, r, o) => c.DeleteGroupAsync(r, o), ct).ConfigureAwait(false);
            output.Write(new Detail().Field("deleted", "Deleted", groupName));
        });
        return command;
    }

    private static ProtoMessageType TypeOf(string type) => type.ToUpperInvariant() switch
    {
        "LITE" => ProtoMessageType.Lite,
        "NORMAL" => ProtoMessageType.Normal,
        "FIFO" => ProtoMessageType.Fifo,
        "DELAY" => ProtoMessageType.Delay,
        "TRANSACTION" => ProtoMessageType.Transaction,
        _ => throw new UsageException($"--type '{type}' is not lite, normal, fifo, delay or transaction."),
    };
}
