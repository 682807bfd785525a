
namespace AgentBus.Tests;

/// <summary>The examples of docs/agents.md and README.md, run as tests so they keep compiling and working.</summary>
public sealed class DocumentationExamples
{
    [Fact]
    public async Task The_twenty_line_example_runs()
    {
        await using var bus = await AgentBusClient.StartEmbeddedAsync();

        var notes = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var writer = await bus.CreateAgentAsync("writer", async (ctx, ct) =>
        {
            string topic = ctx.GetBody<string>();
            switch (ctx.Envelope.Kind)
            {
                case MessageKind.StreamRequest: await ctx.StreamReplyAsync(Words($"A short text about {topic}"), ct); break;
                case MessageKind.Request: await ctx.ReplyAsync($"A short text about {topic}", ct); break;
                default: notes.TrySetResult($"{ctx.Envelope.From} says: {topic}"); break;
            }
        });

        await using var gateway = await bus.CreateAgentAsync("gateway-1");
        await gateway.SendToAsync("writer", "note: the user prefers short answers");
        string text = await gateway.RequestAsync<string, string>("writer", "lite topics");
        var words = new List<string>();
        await foreach (string word in gateway.StreamAsync<string, string>("writer", "streaming"))
        {
            words.Add(word);
        }

        Assert.Equal("A short text about lite topics", text);
        Assert.Equal(["A", "short", "text", "about", "streaming"], words);
        Assert.Equal("gateway-1 says: note: the user prefers short answers", await notes.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_readme_example_runs()
    {
        await using var bus = await AgentBusClient.StartEmbeddedAsync();
        var notes = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var writer = await bus.CreateAgentAsync("writer", async (ctx, ct) =>
        {
            if (ctx.Envelope.Kind == MessageKind.StreamRequest)
            {
                await ctx.StreamReplyAsync(Tokens(ctx.GetBody<string>()), ct);
            }
            else if (ctx.IsRequest)
            {
                await ctx.ReplyAsync($"A short text about {ctx.GetBody<string>()}", ct);
            }
            else
            {
                notes.TrySetResult(ctx.GetBody<string>());
            }
        });

        await using var gateway = await bus.CreateAgentAsync("gateway-1");
        await gateway.SendToAsync("writer", "the user prefers short answers");
        string text = await gateway.RequestAsync<string, string>("writer", "lite topics");
        var streamed = new System.Text.StringBuilder();
        await foreach (string token in gateway.StreamAsync<string, string>("writer", "streaming"))
        {
            streamed.Append(token);
        }

        Assert.Equal("A short text about lite topics", text);
        Assert.Equal("a few words about streaming ", streamed.ToString());
        Assert.Equal("the user prefers short answers", await notes.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async IAsyncEnumerable<string> Tokens(string prompt)
    {
        foreach (string word in $"a few words about {prompt}".Split(' '))
        {
            await Task.Yield();
            yield return word + " ";
        }
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
