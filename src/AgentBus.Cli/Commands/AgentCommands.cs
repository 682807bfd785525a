using System.CommandLine;
using System.Text.Json;
using AgentBus.Cli.Output;
using AgentBus.Protocol.Admin;

namespace AgentBus.Cli.Commands;

/// <summary>agents, send, request and session show|replay: the agent layer (src/AgentBus) over the same broker.</summary>
internal static class AgentCommands
{
    public static IEnumerable<Command> Create(CliApp app)
    {
        var asAgent = new Option<string>("--as") { Description = "The agent id the command speaks as.", DefaultValueFactory = _ => "agentbus-cli" };
        yield return Agents(app);
        yield return Send(app, asAgent);
        yield return Request(app, asAgent);
        var session = new Command("session", "Conversations (sessions) on the bus.");
        session.Subcommands.Add(ShowSession(app, asAgent));
        session.Subcommands.Add(ReplaySession(app));
        yield return session;
    }

    private static Command Agents(CliApp app)
    {
        var command = new Command("agents", "List the agents that are live now, with their replicas and inbox backlog.");
        app.SetAction(command, async (parse, output, ct) =>
        {
            await using var bus = await app.Settings.ConnectBusAsync(parse, ct).ConfigureAwait(false);
            var listing = new Listing(new("agentId", "Agent"), new("replicas", "Replicas"), new("backlog", "Backlog"), new("inboxTopic", "Inbox"));
            foreach (var agent in await bus.ListAgentsAsync(ct).ConfigureAwait(false))
            {
                listing.Add(agent.IsAgentIdTruncated ? agent.AgentId + "…" : agent.AgentId, agent.Replicas, agent.Backlog, agent.InboxTopic);
            }

            output.Write(listing, "No live agents.");
        });
        return command;
    }

    private static Command Send(CliApp app, Option<string> asAgent)
    {
        var agentId = new Argument<string>("agent") { Description = "The agent to send to." };
        var body = new Argument<string>("json") { Description = "The message, as JSON (a string is \"quoted\")." };
        var command = new Command("send", "Send a JSON message to an agent (durable: it waits for an agent not running yet).") { agentId, body, asAgent };
        app.SetAction(command, async (parse, output, ct) =>
        {
            var message = Json(parse.GetRequiredValue(body));
            await using var bus = await app.Settings.ConnectBusAsync(parse, ct).ConfigureAwait(false);
            await using var sender = await bus.CreateAgentAsync(parse.GetRequiredValue(asAgent), ct: ct).ConfigureAwait(false);
            string messageId = await sender.SendToAsync(parse.GetRequiredValue(agentId), message, ct: ct).ConfigureAwait(false);
            if (output.IsJson)
            {
                output.WriteJson(new { agentId = parse.GetRequiredValue(agentId), messageId });
                return;
            }

            output.Line($"Sent {messageId} to {parse.GetRequiredValue(agentId)}.");
        });
        return command;
    }

    private static Command Request(CliApp app, Option<string> asAgent)
    {
        var agentId = new Argument<string>("agent") { Description = "The agent to ask." };
        var body = new Argument<string>("json") { Description = "The request, as JSON." };
        var command = new Command("request", "Send a JSON request to an agent and print its reply (waits up to --timeout).") { agentId, body, asAgent };
        app.SetAction(command, async (parse, output, ct) =>
        {
            var request = Json(parse.GetRequiredValue(body));
            await using var bus = await app.Settings.ConnectBusAsync(parse, ct).ConfigureAwait(false);
            await using var requester = await bus.CreateAgentAsync(parse.GetRequiredValue(asAgent), ct: ct).ConfigureAwait(false);
            var reply = await requester.RequestAsync<JsonElement, JsonElement>(parse.GetRequiredValue(agentId), request,
                new RequestOptions { Timeout = app.Settings.TimeoutOf(parse) }, ct).ConfigureAwait(false);
            output.WriteJson(reply);
        });
        return command;
    }

    private static Command ShowSession(CliApp app, Option<string> asAgent)
    {
        var sessionId = new Argument<string>("id") { Description = "The session id." };
        var from = new Option<long>("--from") { Description = "The first offset to read (default 0)." };
        var count = new Option<int>("--count", "-n") { Description = "At most this many messages (1..1000).", DefaultValueFactory = _ => 100 };
        var command = new Command("show", "Show a session's history: who said what, in order.") { sessionId, from, count, asAgent };
        app.SetAction(command, async (parse, output, ct) =>
        {
            long fromOffset = parse.GetValue(from);
            int max = parse.GetValue(count);
            if (fromOffset < 0 || max is < 1 or > Agent.MaxHistoryPage)
            {
                throw new UsageException($"--from must be 0 or more and --count 1..{Agent.MaxHistoryPage}.");
            }

            await using var bus = await app.Settings.ConnectBusAsync(parse, ct).ConfigureAwait(false);
            await using var reader = await bus.CreateAgentAsync(parse.GetRequiredValue(asAgent), ct: ct).ConfigureAwait(false);
            var history = await reader.ReadSessionHistoryAsync(parse.GetRequiredValue(sessionId), fromOffset, max, ct).ConfigureAwait(false);
            var listing = new Listing(new("offset", "Offset"), new("sentAt", "Sent"), new("from", "From"), new("to", "To"), new("kind", "Kind"), new("body", "Body"));
            foreach (var message in history.Messages)
            {
                listing.Add(message.Envelope.Offset, message.Envelope.SentAt, message.Envelope.From, message.Envelope.To, message.Envelope.Kind.ToString(),
                    LiteCommands.Body(message.Body.Span));
            }

            if (output.IsJson)
            {
                output.Write(new Detail()
                    .Field("sessionId", "Session", parse.GetRequiredValue(sessionId))
                    .Field("firstOffset", "First offset", history.FirstOffset)
                    .Field("nextOffset", "Next offset", history.NextOffset)
                    .Field("endOffset", "End offset", history.EndOffset)
                    .With("messages", "Messages", listing));
                return;
            }

            output.Write(listing, $"Session {parse.GetRequiredValue(sessionId)} has no messages.");
            if (history.HasMore)
            {
                output.Line($"more from --from {history.NextOffset}");
            }
        });
        return command;
    }

    private static Command ReplaySession(CliApp app)
    {
        var sessionId = new Argument<string>("id") { Description = "The session id." };
        var from = new Option<long?>("--from") { Description = "Replay from this offset (default: the first message stored)." };
        var parent = new Option<string>("--parent") { Description = "The agent layer's parent topic.", DefaultValueFactory = _ => "agentbus" };
        var group = new Option<string>("--group", "-g") { Description = "The agent layer's session group.", DefaultValueFactory = _ => "agentbus-sessions" };
        var command = new Command("replay", "Hand a session's messages to its owner again, from an offset on (the owner now, or the next one).")
        {
            sessionId, from, parent, group,
        };
        app.SetAction(command, (parse, output, ct) =>
        {
            var request = new ResetOffsetRequest
            {
                ParentTopic = parse.GetRequiredValue(parent),
                LiteTopic = LiteTopicNames.ForSession(parse.GetRequiredValue(sessionId)),
                ConsumerGroup = parse.GetRequiredValue(group),
                Position = ResetPosition.Min,
            };
            if (parse.GetValue(from) is { } offset)
            {
                (request.Position, request.Offset) = offset >= 0 ? (ResetPosition.Offset, offset) : throw new UsageException("--from must be 0 or more.");
            }

            return LiteCommands.ResetAsync(app, parse, output, request, ct);
        });
        return command;
    }

    private static JsonElement Json(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new UsageException($"the message is not JSON ({ex.Message}); quote a string as '\"text\"'.");
        }
    }
}
