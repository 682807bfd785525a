using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentBus.SemanticKernel.Hosting;

/// <summary>
/// The handler of an agent backed by a kernel: a request is answered with the kernel's chat completion, a streamed
/// request with its streamed tokens, a one-way message runs the kernel for its effects (the model may act through
/// its plugins). A request with a session continues that session's chat history.
/// </summary>
internal sealed class KernelAgent
{
    private readonly Kernel _kernel;
    private readonly IChatCompletionService _chat;
    private readonly string? _instructions;
    private readonly KernelAgentOptions _options;
    private readonly PromptExecutionSettings _settings;
    private readonly IKernelAgentHistoryStore _history;
    // Messages wait for this until the agent's own plugin is on the kernel: the inbox starts serving at creation.
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _attachLock = new();

    public KernelAgent(Kernel kernel, string? instructions, KernelAgentOptions? options)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        _options = options ?? new KernelAgentOptions();
        _options.Validate();
        _kernel = kernel;
        _chat = ChatServiceOf(kernel, _options.ServiceId);
        _instructions = string.IsNullOrWhiteSpace(instructions) ? null : instructions;
        _settings = _options.ExecutionSettings ?? new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        _history = _options.HistoryStore ?? new InMemoryHistoryStore(_options.MaxSessions);
    }

    public KernelAgentOptions Options => _options;

    /// <summary>Binds the agent: adds its bus plugin to the kernel (once), then lets messages through.</summary>
    public void Attach(Agent agent)
    {
        lock (_attachLock)
        {
            if (_ready.Task.IsCompleted)
            {
                return;
            }

            if (_options.BusPlugin is { } plugin)
            {
                _kernel.Plugins.AddAgentBus(agent, plugin);
            }

            _ready.TrySetResult();
        }
    }

    public void Abandon() => _ready.TrySetCanceled();

    public async ValueTask HandleAsync(AgentContext context, CancellationToken ct)
    {
        await _ready.Task.WaitAsync(ct).ConfigureAwait(false);
        var request = ReadRequest(context);
        string agentId = context.Agent.Id;
        string? sessionId = context.Envelope.SessionId;
        var history = sessionId is null ? null : await _history.LoadAsync(agentId, sessionId, ct).ConfigureAwait(false);

        // Instructions go first in every call and are never stored: changing them applies to running sessions too.
        var chat = new ChatHistory();
        if (_instructions is not null)
        {
            chat.AddSystemMessage(_instructions);
        }

        if (!string.IsNullOrWhiteSpace(request.Instructions))
        {
            chat.AddSystemMessage(request.Instructions);
        }

        int stored = chat.Count;
        if (history is not null)
        {
            chat.AddRange(history);
        }

        chat.AddUserMessage(request.Prompt);

        var outer = KernelAgentScope.Current;
        KernelAgentScope.Current = context;
        try
        {
            if (context.Envelope.Kind == MessageKind.StreamRequest)
            {
                await StreamAsync(context, chat, sessionId, stored, ct).ConfigureAwait(false);
                return;
            }

            var answer = await _chat.GetChatMessageContentAsync(chat, _settings, _kernel, ct).ConfigureAwait(false);
            chat.Add(answer);
            await SaveAsync(agentId, sessionId, chat, stored, ct).ConfigureAwait(false);
            if (context.IsRequest)
            {
                await context.ReplyAsync(answer.Content ?? "", ct).ConfigureAwait(false);
            }
        }
        finally
        {
            KernelAgentScope.Current = outer;
        }
    }

    private async Task StreamAsync(AgentContext context, ChatHistory chat, string? sessionId, int stored, CancellationToken ct)
    {
        var stream = context.OpenReplyStream<string>();
        var text = new StringBuilder();
        await foreach (var update in _chat.GetStreamingChatMessageContentsAsync(chat, _settings, _kernel, ct).ConfigureAwait(false))
        {
            if (update.Content is { Length: > 0 } piece)
            {
                text.Append(piece);
                await stream.WriteAsync(piece, ct).ConfigureAwait(false);
            }
        }

        chat.AddAssistantMessage(text.ToString());
        await SaveAsync(context.Agent.Id, sessionId, chat, stored, ct).ConfigureAwait(false);
        await stream.CompleteAsync(ct).ConfigureAwait(false);
    }

    private async Task SaveAsync(string agentId, string? sessionId, ChatHistory chat, int stored, CancellationToken ct)
    {
        if (sessionId is null)
        {
            return;
        }

        var turn = new ChatHistory(chat.Skip(stored).Where(static m => m.Items.Count > 0 || !string.IsNullOrEmpty(m.Content)));
        HistoryTrimmer.Trim(turn, _options.MaxHistoryMessages);
        await _history.SaveAsync(agentId, sessionId, turn, ct).ConfigureAwait(false);
    }

    /// <summary>The request in a body: a JSON string (the prompt) or a <see cref="KernelAgentRequest"/>.</summary>
    private static KernelAgentRequest ReadRequest(AgentContext context)
    {
        var body = context.GetBody<JsonElement>();
        var request = body.ValueKind switch
        {
            JsonValueKind.String => new KernelAgentRequest(body.GetString()!),
            JsonValueKind.Object => context.GetBody<KernelAgentRequest>(),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(request?.Prompt))
        {
            throw new InvalidAgentMessageException(
                $"Agent '{context.Agent.Id}' answers a prompt: a JSON string, or an object {{\"prompt\": \"...\", \"instructions\": \"...\"}} with a non-empty prompt.");
        }

        return request;
    }

    private static IChatCompletionService ChatServiceOf(Kernel kernel, string? serviceId)
    {
        if (kernel.Services.GetKeyedService<IChatCompletionService>(serviceId) is { } service)
        {
            return service;
        }

        // A kernel built with an IChatClient only (services.AddChatClient) works too; without function invocation of
        // its own, the model's function calls would come back unanswered, so Semantic Kernel's is put in front.
        if (kernel.Services.GetKeyedService<IChatClient>(serviceId) is { } client)
        {
            if (client.GetService<FunctionInvokingChatClient>() is null)
            {
                client = client.AsBuilder().UseKernelFunctionInvocation().Build(kernel.Services);
            }

            return client.AsChatCompletionService(kernel.Services);
        }

        throw new InvalidOperationException(
            $"The kernel has no chat completion service{(serviceId is null ? "" : $" '{serviceId}'")}: add an IChatCompletionService or an IChatClient to its services.");
    }
}
