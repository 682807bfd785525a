using System.ComponentModel;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace AgentBus.SemanticKernel;

internal sealed partial class AgentBusPlugin
{
    private const string OctetStream = "application/octet-stream";

    [KernelFunction("read_session_history")]
    [Description("Reads what was posted to a session (a conversation several agents share): notes, progress and results other agents left there, oldest first. " +
        "Use it to catch up on a conversation before answering. Reading does not consume the messages.")]
    [return: Description("JSON with messages (offset, from, kind, sent_at, text), next_offset to read on from, end_offset (the offset after the newest message) and more " +
        "(whether there are more to read); or a text starting with 'ERROR [code]' that says what went wrong and what to do next.")]
    public async Task<string> ReadSessionHistoryAsync(
        [Description("The session id; leave empty for the session of this conversation.")] string? sessionId = null,
        [Description("Where to start: 0 for the beginning, or next_offset of an earlier read to read on.")] long fromOffset = 0,
        [Description("The most messages to return; leave empty for the most allowed.")] int? maxCount = null,
        CancellationToken cancellationToken = default)
    {
        sessionId = string.IsNullOrWhiteSpace(sessionId) ? SessionId : sessionId.Trim();
        if (sessionId is null)
        {
            return ToolError.Format(ToolError.BadInput, "This conversation has no session.", "give the session_id to read.");
        }

        if (fromOffset < 0)
        {
            return ToolError.Format(ToolError.BadInput, $"from_offset is {fromOffset}.", "give 0 for the beginning, or next_offset of an earlier read.");
        }

        if (maxCount is <= 0)
        {
            return ToolError.Format(ToolError.BadInput, $"max_count is {maxCount}.", "give a positive number, or leave it empty.");
        }

        int count = Math.Min(maxCount ?? _options.MaxHistoryMessages, _options.MaxHistoryMessages);
        SessionHistory history;
        try
        {
            history = await Agent.ReadSessionHistoryAsync(sessionId, fromOffset, count, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            return ToolError.Format(ToolError.Unsupported, "This agent bus cannot read a session's history.", "go on with what this conversation holds.");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ToolError.From(ex, $"session {sessionId}") is { } error)
        {
            return error;
        }

        var page = new HistoryPage(
            [.. history.Messages.Select(m => new HistoryEntry(m.Envelope.Offset, m.Envelope.From, KindOf(m.Envelope.Kind), m.Envelope.SentAt, TextOf(m)))],
            history.NextOffset, history.EndOffset, history.NextOffset < history.EndOffset);
        return JsonSerializer.Serialize(page, PluginJsonContext.Default.HistoryPage);
    }

    private static string TextOf(SessionMessage message)
    {
        if (string.Equals(message.Envelope.ContentType, OctetStream, StringComparison.OrdinalIgnoreCase))
        {
            return $"({message.Body.Length} bytes of binary data)";
        }

        try
        {
            return TextOf(message.GetBody<JsonElement>());
        }
        catch (InvalidAgentMessageException)
        {
            return "(a body that is not JSON)";
        }
    }

    private static string KindOf(MessageKind kind) => kind switch
    {
        MessageKind.Message => "message",
        MessageKind.Reply => "reply",
        MessageKind.Error => "error",
        MessageKind.Request => "request",
        MessageKind.StreamRequest => "stream_request",
        MessageKind.Chunk => "chunk",
        MessageKind.End => "end",
        _ => "other",
    };
}
