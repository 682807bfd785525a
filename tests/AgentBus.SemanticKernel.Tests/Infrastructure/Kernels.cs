using AgentBus.TestUtilities.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentBus.SemanticKernel.Tests.Infrastructure;

/// <summary>Kernels whose model is the scripted chat client, with Semantic Kernel's own function invocation in front of it.</summary>
internal static class Kernels
{
    /// <summary>The full name a model sees for a function of the bus plugin (named <c>agentbus</c> by default).</summary>
    public static string Tool(string function, string plugin = "agentbus") => $"{plugin}_{function}";

    public static Kernel With(IChatClient model)
    {
        var client = new ChatClientBuilder(model).UseKernelFunctionInvocation().Build();
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(client.AsChatCompletionService());
        return builder.Build();
    }

    /// <summary>Runs one chat completion with automatic function calling, as an application would.</summary>
    public static async Task<string> AskAsync(this Kernel kernel, string prompt)
    {
        var history = new ChatHistory();
        history.AddUserMessage(prompt);
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        var answer = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history, settings, kernel)
            .WaitAsync(TimeSpan.FromSeconds(20));
        return answer.Content ?? "";
    }

    /// <summary>Arguments of a scripted tool call.</summary>
    public static Dictionary<string, object?> Args(params (string Name, object? Value)[] arguments) =>
        arguments.ToDictionary(a => a.Name, a => a.Value);

    /// <summary>The tool results the scripted model was given, as text, in call order.</summary>
    public static IEnumerable<string> ToolResultsSeen(this ScriptedChatClient model) =>
        model.Calls.SelectMany(turn => turn.ToolResults).Select(ScriptedTurn.TextOf).Distinct();
}
