using Microsoft.Extensions.AI;
using MultiAgentDemo;
using MultiAgentDemo.Model;

namespace AgentBus.Samples.Tests.MultiAgentDemo;

/// <summary>Which model the demo's agents get: the built-in one unless an OpenAI key is set. Nothing here calls the network.</summary>
public sealed class ModelChoiceTests
{
    [Fact]
    public void Without_a_key_the_agents_use_the_built_in_model()
    {
        var choice = ModelChoice.From(DemoOptions.Parse([]), _ => null);

        Assert.True(choice.IsOffline);
        using var client = choice.Create();
        Assert.IsType<OfflineChatModel>(client);
    }

    [Fact]
    public void Offline_wins_over_a_key()
    {
        var choice = ModelChoice.From(DemoOptions.Parse(["--offline"]), name => name == "OPENAI_API_KEY" ? "sk-test" : null);

        Assert.True(choice.IsOffline);
    }

    [Fact]
    public void A_key_selects_the_OpenAI_model_of_the_environment_or_the_command_line()
    {
        var environment = new Dictionary<string, string>
        {
            ["OPENAI_API_KEY"] = "sk-test",
            ["OPENAI_BASE_URL"] = "http://127.0.0.1:11434/v1",
            ["OPENAI_MODEL"] = "llama3.2",
        };

        var fromEnvironment = ModelChoice.From(DemoOptions.Parse([]), name => environment.GetValueOrDefault(name));
        var fromArguments = ModelChoice.From(DemoOptions.Parse(["--model", "gpt-4.1-mini", "--endpoint", "http://127.0.0.1:9999/v1"]),
            name => environment.GetValueOrDefault(name));

        Assert.False(fromEnvironment.IsOffline);
        using var client = fromEnvironment.Create();
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal(("openai", "llama3.2"), (metadata?.ProviderName, metadata?.DefaultModelId));
        Assert.Contains("llama3.2", fromEnvironment.Description, StringComparison.Ordinal);
        using var other = fromArguments.Create();
        Assert.Equal("gpt-4.1-mini", other.GetService<ChatClientMetadata>()?.DefaultModelId);
        Assert.Contains("http://127.0.0.1:9999/v1", fromArguments.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_OpenAI_model_is_gpt_4o_mini()
    {
        var choice = ModelChoice.From(DemoOptions.Parse([]), name => name == "OPENAI_API_KEY" ? "sk-test" : null);

        using var client = choice.Create();
        Assert.Equal("gpt-4o-mini", client.GetService<ChatClientMetadata>()?.DefaultModelId);
    }
}
