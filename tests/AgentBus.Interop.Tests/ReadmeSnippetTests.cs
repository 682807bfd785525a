using System.Text.RegularExpressions;
using AgentBus.Interop.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Interop.Tests;

/// <summary>
/// README's code blocks, run as they are written: the C# ones as .NET file-based programs (<c>dotnet run file.cs</c>
/// with a <c>#:project</c> reference to the library they use), the Node.js one as a script file with the official
/// client. The only change is the broker's address, 127.0.0.1:8081 in the README, a free port here.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed partial class ReadmeSnippetTests(ITestOutputHelper output)
{
    private const string ReadmeEndpoint = "127.0.0.1:8081";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_agents_example_runs_on_the_embedded_broker_and_streams_its_reply()
    {
        string code = Block("csharp", "AgentBusClient.StartEmbeddedAsync()");
        var outcome = await RunCSharpAsync(code, "src/AgentBus/AgentBus.csproj", endpoint: null);
        Assert.Contains("a few words about streaming", outcome.Stdout);
    }

    [Fact]
    public async Task The_engine_example_runs_and_prints_the_delivery()
    {
        string code = Block("csharp", "BrokerEngine.OpenAsync");
        var outcome = await RunCSharpAsync(code, "src/AgentBus.Broker/AgentBus.Broker.csproj", endpoint: null);
        Assert.Contains("m1 on reply-gw-1", outcome.Stdout);
    }

    [Fact]
    public async Task The_client_example_runs_against_the_broker_and_prints_the_message()
    {
        await using var broker = await TestBroker.StartAsync(output);
        string code = Block("csharp", "new ClientServiceProvider(");
        var outcome = await RunCSharpAsync(code, "src/AgentBus.Client/AgentBus.Client.csproj", broker.Endpoint);
        Assert.Contains("session-42: hello", outcome.Stdout);
    }

    [Fact]
    public async Task The_node_example_runs_as_a_file_and_stores_its_message()
    {
        await using var broker = await TestBroker.StartAsync(output);
        string code = Block("js", "require('rocketmq-client-nodejs')");
        using var workspace = new ScenarioWorkspace();
        string script = Path.Combine(workspace.Home, "readme.js");
        await File.WriteAllTextAsync(script, code.Replace(ReadmeEndpoint, broker.Endpoint, StringComparison.Ordinal));
        var outcome = await ChildProcess.RunAsync(NodeTooling.Node, [script], workspace.Home,
            new Dictionary<string, string> { ["NODE_PATH"] = Path.Combine(InteropPaths.InteropDirectory, "node_modules"), ["HOME"] = workspace.Home },
            RunTimeout);
        Report(outcome);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Matches("stored as [0-9A-F]{20,}", outcome.Stdout);
        var stored = Assert.Single(broker.Engine.PeekLiteTopic("agentbus", "session-42", fromOffset: 0, maxCount: 10).Messages);
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(stored.Body.Span));
    }

    /// <summary>The README's code block of <paramref name="language"/> that contains <paramref name="marker"/>.</summary>
    private static string Block(string language, string marker)
    {
        string readme = File.ReadAllText(Path.Combine(InteropPaths.RepositoryRoot, "README.md"));
        var blocks = CodeBlock().Matches(readme)
            .Where(match => match.Groups["language"].Value == language && match.Groups["code"].Value.Contains(marker, StringComparison.Ordinal))
            .Select(match => match.Groups["code"].Value)
            .ToList();
        return Assert.Single(blocks);
    }

    private async Task<ProcessOutcome> RunCSharpAsync(string code, string project, string? endpoint)
    {
        using var workspace = new ScenarioWorkspace();
        string file = Path.Combine(workspace.Home, "readme.cs");
        string reference = $"#:project {Path.Combine(InteropPaths.RepositoryRoot, project)}\n";
        await File.WriteAllTextAsync(file, reference + (endpoint is null ? code : code.Replace(ReadmeEndpoint, endpoint, StringComparison.Ordinal)));
        var outcome = await ChildProcess.RunAsync("dotnet", ["run", "-c", "Release", file], workspace.Home,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" }, RunTimeout);
        Report(outcome);
        Assert.False(outcome.TimedOut, "the example did not finish");
        Assert.Equal(0, outcome.ExitCode);
        return outcome;
    }

    private void Report(ProcessOutcome outcome)
    {
        output.WriteLine($"exit {outcome.ExitCode}\n--- stdout ---\n{outcome.Stdout}\n--- stderr ---\n{outcome.Stderr}");
    }

    [GeneratedRegex(@"^```(?<language>[a-z]+)\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
