using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace AgentBus.SemanticKernel;

internal sealed partial class AgentBusPlugin
{
    [KernelFunction("ask_agent")]
    [Description("Asks another agent on the agent bus and waits for its answer. Use it to delegate a question or a task to the agent suited for it. " +
        "The agent does not see this conversation: put everything it needs into the question.")]
    [return: Description("The agent's answer, or a text starting with 'ERROR [code]' that says what went wrong and what to do next.")]
    public async Task<string> AskAgentAsync(
        [Description("The id of the agent to ask, exactly as list_agents shows it, e.g. 'writer'.")] string agentId,
        [Description("The question or task for the agent, complete in itself.")] string question,
        [Description("How many seconds to wait for the answer; leave empty for the default.")] int? timeoutSeconds = null,
        CancellationToken cancellationToken = default)
    {
        string? invalid = CheckPeer(ref agentId) ?? CheckText(question, "question");
        TimeSpan? timeout = null;
        if ((invalid ?? TimeoutOf(timeoutSeconds, out timeout)) is { } error)
        {
            return error;
        }

        try
        {
            var answer = await Agent.RequestAsync<string, JsonElement>(agentId, question, RequestOptions(timeout), cancellationToken).ConfigureAwait(false);
            return TextOf(answer);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ToolError.From(ex, agentId) is { } failure)
        {
            return failure;
        }
    }

    [KernelFunction("stream_from_agent")]
    [Description("Asks another agent on the agent bus for a streamed answer (a long text, a report, a story) and waits until the stream ends. " +
        "Use it for agents that write long answers; for short ones ask_agent is the same. The agent does not see this conversation.")]
    [return: Description("The whole streamed answer, or a text starting with 'ERROR [code]' (after any part that arrived) that says what went wrong and what to do next.")]
    public async Task<string> StreamFromAgentAsync(
        [Description("The id of the agent to ask, exactly as list_agents shows it, e.g. 'writer'.")] string agentId,
        [Description("The request for the agent, complete in itself.")] string request,
        [Description("How many seconds to wait for each next part of the answer; leave empty for the default.")] int? timeoutSeconds = null,
        CancellationToken cancellationToken = default)
    {
        string? invalid = CheckPeer(ref agentId) ?? CheckText(request, "request");
        TimeSpan? timeout = null;
        if ((invalid ?? TimeoutOf(timeoutSeconds, out timeout)) is { } error)
        {
            return error;
        }

        var text = new StringBuilder();
        try
        {
            await foreach (var chunk in Agent.StreamAsync<string, JsonElement>(agentId, request, RequestOptions(timeout), cancellationToken).ConfigureAwait(false))
            {
                text.Append(TextOf(chunk));
            }

            return text.ToString();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ToolError.From(ex, agentId) is { } failure)
        {
            return text.Length == 0 ? failure : $"{text}\n{failure}";
        }
    }

    [KernelFunction("send_to_agent")]
    [Description("Leaves a one-way message for another agent on the agent bus: a note, an instruction, a result to act on. " +
        "It is stored in the agent's inbox and handled when the agent runs, even if it is offline now. No answer comes back; use ask_agent for one.")]
    [return: Description("A confirmation with the message id, or a text starting with 'ERROR [code]' that says what went wrong and what to do next.")]
    public async Task<string> SendToAgentAsync(
        [Description("The id of the agent to send to, e.g. 'writer'.")] string agentId,
        [Description("The message for the agent, complete in itself.")] string message,
        CancellationToken cancellationToken = default)
    {
        if ((CheckPeer(ref agentId) ?? CheckText(message, "message")) is { } invalid)
        {
            return invalid;
        }

        try
        {
            string id = await Agent.SendToAsync(agentId, message, new SendOptions { SessionId = SessionId, RequireLiveAgent = false }, cancellationToken)
                .ConfigureAwait(false);
            return $"Sent to agent '{agentId}' (message {id}). It is handled when the agent runs; no answer comes back.";
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ToolError.From(ex, agentId) is { } failure)
        {
            return failure;
        }
    }

    private RequestOptions RequestOptions(TimeSpan? timeout) => new()
    {
        Timeout = timeout,
        SessionId = SessionId,
        RequireLiveAgent = _options.RequireLiveAgent,
    };

    /// <summary>A reply as the model reads it: a JSON string as its text, anything else as its JSON.</summary>
    private static string TextOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();
}
