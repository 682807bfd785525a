using System.Collections.Concurrent;
using System.Text.Json;
using AgentBus.AgentFramework.Tests.Infrastructure;
using AgentBus.TestUtilities.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests;

public sealed class RemoteAgentTests(SharedBusBroker shared) : IClassFixture<SharedBusBroker>
{
    private const string Story = "one two three four five six seven eight nine ten eleven twelve";

    [Fact]
    public async Task RunAsync_runs_a_hosted_ChatClientAgent_whose_model_asks_a_peer_across_the_bus()
    {
        await using var fx = shared.Broker.Scope();
        var peers = await fx.ConnectAsync("peers");
        var asked = new ConcurrentQueue<string>();
        await using var weather = await peers.CreateAgentAsync("weather", (ctx, ct) =>
        {
            asked.Enqueue(ctx.GetBody<string>());
            return ctx.ReplyAsync($"sunny in {ctx.GetBody<string>()}", ct);
        });
        var host = await fx.ConnectAsync("host");
        var tools = await host.CreateAgentAsync("assistant-tools");
        var model = ScriptedChatClient.CallingTool("ask_agent", new Dictionary<string, object?> { ["agentId"] = "weather", ["message"] = "Paris" },
            result => $"The weather: {result}");
        await using var hosted = await host.HostAIAgentAsync("assistant", new ChatClientAgent(model, name: "assistant", tools: tools.AsAITools()),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var gateway = await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway");

        AIAgent remote = gateway.AsAIAgent("assistant");
        var session = await remote.CreateSessionAsync();
        var response = await remote.RunAsync("What is the weather in Paris?", session);

        Assert.Equal("The weather: sunny in Paris", response.Text);
        Assert.Equal(["Paris"], asked);
        Assert.Equal("assistant", remote.Name);
        // The function call and its result crossed the bus too, as contents of the response.
        Assert.Contains(response.Messages.SelectMany(m => m.Contents), c => c is FunctionCallContent { Name: "ask_agent" });
        Assert.Contains(response.Messages.SelectMany(m => m.Contents), c => c is FunctionResultContent);
    }

    [Fact]
    public async Task RunStreamingAsync_streams_each_update_with_a_continuation_token_but_the_last()
    {
        await using var fx = shared.Broker.Scope();
        var host = await fx.ConnectAsync("host");
        var model = new ScriptedChatClient(_ => ScriptedStep.Text(Story)) { MaxUpdates = 12 };
        await using var hosted = await host.HostAIAgentAsync("writer", new ChatClientAgent(model, name: "writer"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var gateway = await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway");
        var remote = gateway.AsAIAgent("writer");
        var session = (BusAgentSession)await remote.CreateSessionAsync();

        var updates = new List<AgentResponseUpdate>();
        await foreach (var update in remote.RunStreamingAsync("a story", session))
        {
            updates.Add(update);
        }

        Assert.Equal(Story, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(13, updates.Count);                       // twelve words, then the end of the run
        Assert.Null(updates[^1].ContinuationToken);
        var tokens = updates[..^1].Select(u => Assert.IsType<BusContinuationToken>(u.ContinuationToken)).ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), tokens.Select(t => t.Sequence));
        Assert.All(tokens, t => Assert.Equal(session.SessionId, t.SessionId));
        Assert.Single(tokens.Select(t => t.RequestId).Distinct());
        Assert.All(updates, u => Assert.Equal(remote.Id, u.AgentId));
        Assert.Equal(Story, (await ToResponseAsync(updates)).Text);
    }

    [Fact]
    public async Task A_broken_stream_resumes_from_its_continuation_token_in_another_process_with_no_gap_and_no_duplicate()
    {
        await using var fx = shared.Broker.Scope();
        var host = await fx.ConnectAsync("host");
        var model = new GatedChatClient(new ScriptedChatClient(_ => ScriptedStep.Text(Story)) { MaxUpdates = 12 }, pauseAfter: 5);
        await using var hosted = await host.HostAIAgentAsync("writer", new ChatClientAgent(model, name: "writer"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var firstBus = await fx.ConnectAsync("gateway-1");
        var first = (await firstBus.CreateAgentAsync("gateway")).AsAIAgent("writer");
        var session = await first.CreateSessionAsync();
        var seen = new List<AgentResponseUpdate>();

        // Three updates in, while the model is still writing, the gateway goes away.
        await foreach (var update in first.RunStreamingAsync("a story", session))
        {
            seen.Add(update);
            if (seen.Count == 3)
            {
                break;
            }
        }

        byte[] saved = seen[^1].ContinuationToken!.ToBytes().ToArray();      // what a web app would keep
        var serializedSession = await first.SerializeSessionAsync(session);
        await firstBus.DisposeAsync();
        model.Release();

        var second = (await (await fx.ConnectAsync("gateway-2")).CreateAgentAsync("gateway")).AsAIAgent("writer");
        var resumedSession = await second.DeserializeSessionAsync(serializedSession);
        var rest = new List<AgentResponseUpdate>();
        await foreach (var update in second.RunStreamingAsync(resumedSession,
            new AgentRunOptions { ContinuationToken = ResponseContinuationToken.FromBytes(saved) }))
        {
            rest.Add(update);
        }

        Assert.Equal(Story, string.Concat(seen.Concat(rest).Select(u => u.Text)));
        Assert.Equal(13, seen.Count + rest.Count);
        Assert.Equal(3, Assert.IsType<BusContinuationToken>(rest[0].ContinuationToken).Sequence);
        Assert.Null(rest[^1].ContinuationToken);
    }

    [Fact]
    public async Task RunAsync_with_a_continuation_token_returns_the_rest_of_the_run()
    {
        await using var fx = shared.Broker.Scope();
        var host = await fx.ConnectAsync("host");
        var model = new ScriptedChatClient(_ => ScriptedStep.Text(Story)) { MaxUpdates = 12 };
        await using var hosted = await host.HostAIAgentAsync("writer", new ChatClientAgent(model, name: "writer"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var remote = (await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway")).AsAIAgent("writer");
        var session = await remote.CreateSessionAsync();
        AgentResponseUpdate? fourth = null;
        await foreach (var update in remote.RunStreamingAsync("a story", session))
        {
            if (update.ContinuationToken is BusContinuationToken { Sequence: 3 })
            {
                fourth = update;
                break;
            }
        }

        var rest = await remote.RunAsync(session, new AgentRunOptions { ContinuationToken = fourth!.ContinuationToken });

        Assert.Equal("five six seven eight nine ten eleven twelve", rest.Text);
        Assert.Null(rest.ContinuationToken);
    }

    [Fact]
    public async Task A_session_continues_across_turns_and_in_another_gateway_from_its_serialised_form()
    {
        await using var fx = shared.Broker.Scope();
        var host = await fx.ConnectAsync("host");
        var model = new ScriptedChatClient(turn => ScriptedStep.Text($"turn {turn.Messages.Count(m => m.Role == ChatRole.User)}: {turn.LastUserText}"));
        await using var hosted = await host.HostAIAgentAsync("chat", new ChatClientAgent(model, name: "chat"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var remote = (await (await fx.ConnectAsync("gateway-1")).CreateAgentAsync("gateway")).AsAIAgent("chat");
        var session = await remote.CreateSessionAsync();

        Assert.Equal("turn 1: hello", (await remote.RunAsync("hello", session)).Text);
        Assert.Equal("turn 2: again", (await remote.RunAsync("again", session)).Text);
        JsonElement serialized = await remote.SerializeSessionAsync(session);
        var other = (await (await fx.ConnectAsync("gateway-2")).CreateAgentAsync("gateway")).AsAIAgent("chat");
        var restored = await other.DeserializeSessionAsync(serialized);
        string streamed = string.Concat(await ToListAsync(other.RunStreamingAsync("and more", restored)));
        // A run without a session is a one-off: the agent sees only its message.
        Assert.Equal("turn 1: alone", (await remote.RunAsync("alone")).Text);

        Assert.Equal("turn 3: and more", streamed);
        Assert.Equal(((BusAgentSession)session).SessionId, ((BusAgentSession)restored).SessionId);
    }

    [Fact]
    public async Task A_hosted_agent_answers_plain_text_callers_in_plain_text()
    {
        await using var fx = shared.Broker.Scope();
        var host = await fx.ConnectAsync("host");
        var model = new ScriptedChatClient(turn => ScriptedStep.Text($"echo {turn.LastUserText}")) { MaxUpdates = 3 };
        await using var hosted = await host.HostAIAgentAsync("echo", new ChatClientAgent(model, name: "echo"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var gateway = await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway");

        string reply = await gateway.RequestAsync<string, string>("echo", "hi there");
        var chunks = new List<string>();
        await foreach (string chunk in gateway.StreamAsync<string, string>("echo", "a b c d e f"))
        {
            chunks.Add(chunk);
        }

        Assert.Equal("echo hi there", reply);
        Assert.Equal("echo a b c d e f", string.Concat(chunks));
        Assert.True(chunks.Count > 1);
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_error()
    {
        await using var fx = shared.Broker.Scope();
        var host = await fx.ConnectAsync("host");
        await using var hosted = await host.HostAIAgentAsync("echo", new ChatClientAgent(ScriptedChatClient.Answering(q => q), name: "echo"),
            new AIAgentHostOptions { SessionStore = new InMemorySessionStore() });
        var gateway = await (await fx.ConnectAsync("gateway")).CreateAgentAsync("gateway");
        var remote = gateway.AsAIAgent("echo");
        var local = new ChatClientAgent(ScriptedChatClient.Answering(q => q));

        var notARun = await Assert.ThrowsAsync<RemoteAgentException>(() => gateway.RequestAsync<int, string>("echo", 42));
        var localSession = await local.CreateSessionAsync();
        var foreign = await Assert.ThrowsAsync<ArgumentException>(() => remote.RunAsync("hi", localSession));
        var badToken = await Assert.ThrowsAsync<ArgumentException>(() => remote.RunAsync(session: null,
            new AgentRunOptions { ContinuationToken = ResponseContinuationToken.FromBytes("not a bus token"u8.ToArray()) }));
        var badSession = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await remote.DeserializeSessionAsync(JsonDocument.Parse("""{"something":"else"}""").RootElement));

        Assert.Equal("InvalidMessage", notARun.ErrorType);
        Assert.Contains("neither a text nor a run", notARun.RemoteMessage);
        Assert.Contains(nameof(BusAgentSession), foreign.Message);
        Assert.Contains("not issued by a bus agent", badToken.Message);
        Assert.Contains("sessionId", badSession.Message);
    }

    private static async Task<List<string>> ToListAsync(IAsyncEnumerable<AgentResponseUpdate> updates)
    {
        var texts = new List<string>();
        await foreach (var update in updates)
        {
            texts.Add(update.Text);
        }

        return texts;
    }

    private static Task<AgentResponse> ToResponseAsync(IEnumerable<AgentResponseUpdate> updates) => Task.FromResult(updates.ToAgentResponse());
}
