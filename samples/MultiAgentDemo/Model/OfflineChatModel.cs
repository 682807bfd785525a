using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace MultiAgentDemo.Model;

/// <summary>
/// The demo's built-in model: deterministic and offline, yet driven by its input as a language model is. Its rules:
/// <list type="number">
/// <item>When tools are offered, the user's last message is a question (it has a '?') and no tool has answered it
/// yet, it calls tools: those its instructions name (every offered tool whose name appears there), else the first
/// one. It fills each string argument from the tool's schema: one whose name speaks of an agent gets the first
/// 'quoted' name in the instructions, any other gets the user's question.</item>
/// <item>Once tool results follow the question, it answers from them: a lead naming the question, then the results.</item>
/// <item>Without tools it answers from the user's text: a note (no '?') is acknowledged; a question with labelled
/// lines ("Plan: ...") becomes a few sentences built from those lines.</item>
/// </list>
/// Notes the user left earlier in the conversation (messages without a '?') are honoured in every answer. A
/// streamed answer comes word by word, <see cref="TokenDelay"/> apart, as a model's tokens do.
/// </summary>
public sealed class OfflineChatModel : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("agentbus-offline", defaultModelId: ModelId);
    private int _callIds;

    /// <summary>The model id it reports.</summary>
    public const string ModelId = "offline-rules-1";

    /// <summary>The pause before each streamed word (a model's token pace); zero streams as fast as the bus carries it.</summary>
    public TimeSpan TokenDelay { get; init; } = TimeSpan.FromMilliseconds(15);

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = Decide([.. messages], options);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)) { ModelId = ModelId, FinishReason = Finish(reply) });
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reply = Decide([.. messages], options);
        string responseId = "offline-" + Guid.NewGuid().ToString("N");
        if (reply is not [TextContent { Text: var text }])
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, reply) { ResponseId = responseId, ModelId = ModelId, FinishReason = ChatFinishReason.ToolCalls };
            yield break;
        }

        foreach (string token in Tokens(text))
        {
            if (TokenDelay > TimeSpan.Zero)
            {
                await Task.Delay(TokenDelay, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, token) { ResponseId = responseId, ModelId = ModelId };
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>Splits a text into tokens: each word with the space before it, so that joined they are the text.</summary>
    internal static IEnumerable<string> Tokens(string text)
    {
        string[] words = text.Split(' ');
        for (int i = 0; i < words.Length; i++)
        {
            yield return i == 0 ? words[i] : " " + words[i];
        }
    }

    private static ChatFinishReason Finish(IList<AIContent> reply) =>
        reply.Any(static c => c is FunctionCallContent) ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop;

    private List<AIContent> Decide(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var conversation = new Conversation(messages, options);
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        if (tools.Count > 0 && conversation.ToolResults.Count == 0 && Conversation.IsQuestion(conversation.UserText))
        {
            return [.. ChooseTools(tools, conversation.Instructions).Select(tool => (AIContent)Call(tool, conversation))];
        }

        return [new TextContent(Answers.Compose(conversation))];
    }

    private static List<AIFunctionDeclaration> ChooseTools(List<AIFunctionDeclaration> tools, string instructions)
    {
        var named = tools.Where(tool => instructions.Contains(tool.Name, StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count > 0 ? named : [tools[0]];
    }

    private FunctionCallContent Call(AIFunctionDeclaration tool, Conversation conversation)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (tool.JsonSchema.ValueKind == JsonValueKind.Object && tool.JsonSchema.TryGetProperty("properties", out var properties)
            && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                bool isString = property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("type", out var type)
                    && type.ValueKind == JsonValueKind.String && type.GetString() == "string";
                if (isString)
                {
                    arguments[property.Name] = property.Name.Contains("agent", StringComparison.OrdinalIgnoreCase)
                        ? conversation.QuotedName ?? ""
                        : conversation.UserText;
                }
            }
        }

        return new FunctionCallContent($"call-{Interlocked.Increment(ref _callIds)}", tool.Name, arguments);
    }
}
