using System.Text;
using AgentBus.Broker.Topics;
using AgentBus.Client.Errors;
using AgentBus.Server.Embedded;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace AgentBus.Server.Tests.Permissions;

/// <summary>
/// The gateway-and-three-agents policy of docs/security.md, loaded as written there, with an agent bus per user over
/// real gRPC: what the policy grants works end to end, and what it does not is refused with ForbiddenException.
/// </summary>
public sealed class AgentPolicyTests
{
    [Fact]
    public async Task The_documented_agent_policy_lets_each_process_do_its_part_and_nothing_more()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Warning);
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs));
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(DocumentedPolicy()))).Build();
        await using (var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Configuration = configuration, LoggerFactory = loggers }))
        {
            // What an operator declares for the agent layer (docs/agents.md).
            broker.Engine.Topics.CreateTopic(new TopicDefinition("agentbus", TopicMessageType.Lite));
            broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("agentbus", "agentbus"));
            broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("agentbus-sessions", "agentbus", Fifo: true, LiteMode: LiteSharingMode.Exclusive));

            await using var billingBus = await AgentBusClient.ConnectAsync(Options(broker, "billing", "billing-1"));
            await using var gatewayBus = await AgentBusClient.ConnectAsync(Options(broker, "gateway", "gateway-1"));
            await using var billing = await billingBus.CreateAgentAsync("billing", async (ctx, ct) =>
            {
                string ask = ctx.GetBody<string>();
                if (ctx.Envelope.Kind == MessageKind.StreamRequest)
                {
                    await ctx.StreamReplyAsync(Words(ask), ct);
                }
                else
                {
                    await ctx.ReplyAsync($"invoice for {ask}", ct);
                }
            });
            await using var gateway = await gatewayBus.CreateAgentAsync("gateway");

            // Granted: the gateway asks and streams (reply|gateway-1, req|<id>); billing answers (reply|*, req|*).
            Assert.Equal("invoice for order 7", await gateway.RequestAsync<string, string>("billing", "order 7"));
            var words = new List<string>();
            await foreach (string word in gateway.StreamAsync<string, string>("billing", "one two three"))
            {
                words.Add(word);
            }

            Assert.Equal(["one", "two", "three"], words);
            // Billing sends to a peer's inbox and owns its own sessions.
            await billing.SendToAsync("research", "quarterly numbers");
            await using (var session = await billing.OpenSessionAsync("billing-42"))
            {
                Assert.Equal("session|billing-42", session.LiteTopic);
            }

            // Refused: serving another agent's inbox, opening another agent's session, the gateway serving any inbox.
            var research = await Assert.ThrowsAnyAsync<ForbiddenException>(() => billingBus.CreateAgentAsync("research", (ctx, ct) => ValueTask.CompletedTask));
            var foreignSession = await Assert.ThrowsAnyAsync<ForbiddenException>(() => billing.OpenSessionAsync("research-1"));
            var gatewayServing = await Assert.ThrowsAnyAsync<ForbiddenException>(() => gatewayBus.CreateAgentAsync("writer", (ctx, ct) => ValueTask.CompletedTask));
            Assert.Equal(40300, research.Code);
            Assert.Contains("agent|research", research.Message, StringComparison.Ordinal);
            Assert.Contains("session|research-1", foreignSession.Message, StringComparison.Ordinal);
            Assert.Contains("agent|writer", gatewayServing.Message, StringComparison.Ordinal);

            // A process whose instance id its patterns do not cover cannot even connect: its reply topic is refused.
            await Assert.ThrowsAnyAsync<ForbiddenException>(() => AgentBusClient.ConnectAsync(Options(broker, "billing", "gateway-9")));
        }

        Assert.Empty(logs.Errors);
    }

    [Fact]
    public void The_documented_policy_validates()
    {
        var server = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(DocumentedPolicy()))).Build()
            .GetSection("Server").Get<Hosting.ServerOptions>()!;

        server.Validate();

        Assert.Equal(["gateway", "billing", "research", "writer"], server.Auth.Users.Select(user => user.AccessKey));
        Assert.False(server.Auth.DefaultAllow);
    }

    private static AgentBusOptions Options(EmbeddedBroker broker, string user, string instanceId) => new()
    {
        Endpoints = broker.Endpoint,
        AccessKey = user,
        AccessSecret = user + "-secret",
        InstanceId = instanceId,
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The JSON block after the <c>agent-policy</c> marker of docs/security.md.</summary>
    private static string DocumentedPolicy()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "security.md"));
        int marker = text.IndexOf("<!-- agent-policy -->", StringComparison.Ordinal);
        Assert.True(marker >= 0, "docs/security.md has no agent-policy block.");
        int start = text.IndexOf("```json", marker, StringComparison.Ordinal) + "```json".Length;
        int end = text.IndexOf("```", start, StringComparison.Ordinal);
        return text[start..end];
    }

    private static string RepositoryRoot()
    {
        // Bounded by the depth of the path.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentBus.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (AgentBus.sln) was not found above " + AppContext.BaseDirectory);
    }

    private static async IAsyncEnumerable<string> Words(string text)
    {
        foreach (string word in text.Split(' '))
        {
            await Task.Yield();
            yield return word;
        }
    }
}
