using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentBus.TestUtilities.AI;

/// <summary>
/// A deterministic model for tests: each call asks the script what to answer for the conversation so far — a text,
/// streamed as several updates, or tool calls. With function invocation on (MEAI's <c>UseFunctionInvocation()</c>,
/// MAF's <c>ChatClientAgent</c>, Semantic Kernel's <c>UseKernelFunctionInvocation()</c>) the tools really run and
/// their results come back in the next call, so a test sees the model call the bus, the bus reach a peer, and the
/// answer use what the peer said.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Func<ScriptedTurn, ScriptedStep> _script;
    private int _callIds;

    /// <summary>Creates a model that answers each call with what <paramref name="script"/> returns for it.</summary>
    public ScriptedChatClient(Func<ScriptedTurn, ScriptedStep> script)
    {
        _script = script;
    }

    /// <summary>Every call's messages and options, in call order.</summary>
    public ConcurrentQueue<ScriptedTurn> Calls { get; } = new();

    /// <summary>How many updates a streamed text is split into at most (by words).</summary>
    public int MaxUpdates { get; init; } = 8;

    /// <summary>
    /// The usual script: call <paramref name="tool"/> with <paramref name="arguments"/> until the conversation holds
    /// its result (after the last user message), then answer <paramref name="answer"/> of that result.
    /// </summary>
    public static ScriptedChatClient CallingTool(string tool, IDictionary<string, object?> arguments, Func<string, string> answer) =>
        new(turn => turn.LastToolResult is { } result ? ScriptedStep.Text(answer(result)) : ScriptedStep.Call(tool, arguments));

    /// <summary>A model that only talks: answers <paramref name="answer"/> of the last user message.</summary>
    public static ScriptedChatClient Answering(Func<string, string> answer) =>
        new(turn => ScriptedStep.Text(answer(turn.LastUserText)));

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var step = Next(messages, options);
        var message = new ChatMessage(ChatRole.Assistant, step.ToContents(NextCallId));
        return Task.FromResult(new ChatResponse(message) { ModelId = "scripted" });
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var step = Next(messages, options);
        string responseId = $"scripted-{Guid.NewGuid():N}";
        if (step.Calls is not null)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, step.ToContents(NextCallId)) { ResponseId = responseId, ModelId = "scripted" };
            yield break;
        }

        foreach (string piece in Split(step.Content!, MaxUpdates))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ResponseId = responseId, ModelId = "scripted" };
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private string NextCallId() => $"call-{Interlocked.Increment(ref _callIds)}";

    private ScriptedStep Next(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var turn = new ScriptedTurn([.. messages], options);
        Calls.Enqueue(turn);
        return _script(turn);
    }

    /// <summary>Splits a text into at most <paramref name="parts"/> pieces at word boundaries; joined, they are the text.</summary>
    internal static IEnumerable<string> Split(string text, int parts)
    {
        var words = text.Split(' ');
        int perPart = Math.Max(1, (int)Math.Ceiling(words.Length / (double)Math.Max(1, parts)));
        for (int i = 0; i < words.Length; i += perPart)
        {
            string piece = string.Join(' ', words, i, Math.Min(perPart, words.Length - i));
            yield return i + perPart < words.Length ? piece + " " : piece;
        }
    }
}

/// <summary>What the scripted model sees in one call.</summary>
public sealed class ScriptedTurn(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
{
    /// <summary>The conversation sent to the model.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    /// <summary>The options (tools, instructions) of the call.</summary>
    public ChatOptions? Options { get; } = options;

    /// <summary>The names of the tools offered to the model.</summary>
    public IReadOnlyList<string> ToolNames => Options?.Tools?.Select(t => t.Name).ToArray() ?? [];

    /// <summary>The text of the last user message; empty when there is none.</summary>
    public string LastUserText => Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";

    /// <summary>The tool results after the last user message, oldest first.</summary>
    public IReadOnlyList<FunctionResultContent> ToolResults
    {
        get
        {
            int lastUser = -1;
            for (int i = 0; i < Messages.Count; i++)
            {
                if (Messages[i].Role == ChatRole.User)
                {
                    lastUser = i;
                }
            }

            return [.. Messages.Skip(lastUser + 1).SelectMany(m => m.Contents.OfType<FunctionResultContent>())];
        }
    }

    /// <summary>The last tool result after the last user message as text (an exception as its message); null when there is none.</summary>
    public string? LastToolResult => ToolResults.Count == 0 ? null : TextOf(ToolResults[^1]);

    /// <summary>A tool result as text: a string as it is, an exception by its message, anything else as JSON.</summary>
    public static string TextOf(FunctionResultContent result) => result switch
    {
        { Exception: { } error } => error.Message,
        { Result: string text } => text,
        { Result: System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } json } => json.GetString() ?? "",
        { Result: null } => "",
        { Result: var other } => System.Text.Json.JsonSerializer.Serialize(other),
    };
}

/// <summary>One answer of the scripted model: a text, or tool calls.</summary>
public sealed class ScriptedStep
{
    private ScriptedStep(string? content, IReadOnlyList<(string Name, IDictionary<string, object?> Arguments)>? calls)
    {
        Content = content;
        Calls = calls;
    }

    /// <summary>The answer's text; null for tool calls.</summary>
    public string? Content { get; }

    /// <summary>The tools to call; null for a text.</summary>
    public IReadOnlyList<(string Name, IDictionary<string, object?> Arguments)>? Calls { get; }

    /// <summary>Answers with a text (streamed as several updates).</summary>
    public static ScriptedStep Text(string text) => new(text, null);

    /// <summary>Calls one tool.</summary>
    public static ScriptedStep Call(string tool, IDictionary<string, object?> arguments) => new(null, [(tool, arguments)]);

    /// <summary>Calls several tools at once.</summary>
    public static ScriptedStep CallAll(params (string Name, IDictionary<string, object?> Arguments)[] calls) => new(null, calls);

    internal List<AIContent> ToContents(Func<string> nextCallId) =>
        Calls is null
            ? [new TextContent(Content)]
            : [.. Calls.Select(c => (AIContent)new FunctionCallContent(nextCallId(), c.Name, new Dictionary<string, object?>(c.Arguments)))];
}
