using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace MultiAgentDemo.Model;

/// <summary>Which model the agents think with: the built-in offline one, or an OpenAI(-compatible) model when a key is set.</summary>
internal sealed class ModelChoice
{
    private ModelChoice(string description, Func<IChatClient> create, bool isOffline)
    {
        Description = description;
        _create = create;
        IsOffline = isOffline;
    }

    private readonly Func<IChatClient> _create;

    /// <summary>What the demo prints about the model.</summary>
    public string Description { get; }

    /// <summary>Whether this is the built-in model, whose answers the steps can check word for word.</summary>
    public bool IsOffline { get; }

    /// <summary>A new chat client for one agent.</summary>
    public IChatClient Create() => _create();

    /// <summary>The model the options and the environment (<c>OPENAI_API_KEY</c>, <c>OPENAI_BASE_URL</c>, <c>OPENAI_MODEL</c>) ask for.</summary>
    public static ModelChoice From(DemoOptions options) => From(options, Environment.GetEnvironmentVariable);

    internal static ModelChoice From(DemoOptions options, Func<string, string?> environment)
    {
        string? key = environment("OPENAI_API_KEY");
        if (string.IsNullOrWhiteSpace(key) || options.Offline)
        {
            var delay = options.TokenDelay;
            return new ModelChoice($"built-in offline model ({OfflineChatModel.ModelId})",
                () => new OfflineChatModel { TokenDelay = delay }, isOffline: true);
        }

        string model = options.Model ?? environment("OPENAI_MODEL") ?? "gpt-4o-mini";
        string? endpoint = options.Endpoint ?? (environment("OPENAI_BASE_URL") is { Length: > 0 } url ? url : null);
        var clientOptions = new OpenAIClientOptions();
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            clientOptions.Endpoint = new Uri(endpoint);
        }

        return new ModelChoice($"OpenAI model {model}" + (endpoint is null ? "" : $" at {endpoint}"),
            () => new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(key), clientOptions).AsIChatClient(), isOffline: false);
    }
}
