using Microsoft.Extensions.AI;
using MultiAgentDemo.Model;
using MultiAgentDemo.Team;

namespace AgentBus.Samples.Tests.MultiAgentDemo;

/// <summary>The demo's built-in model: it calls the tools it is offered when a question needs them, and answers from their results.</summary>
public sealed class OfflineChatModelTests
{
    private static readonly AIFunction Lookup = AIFunctionFactory.Create(FactBook.Lookup, FactBook.ToolName);

    private static readonly AIFunction Ask = AIFunctionFactory.Create(
        (string agentId, string message) => $"{agentId} says: the answer to '{message}' is 42.", "ask_agent", "Ask another agent.");

    [Fact]
    public async Task A_question_with_a_tool_offered_calls_it_with_the_question()
    {
        var model = new OfflineChatModel();

        var response = await model.GetResponseAsync([new ChatMessage(ChatRole.User, "How do sessions keep order?")],
            new ChatOptions { Tools = [Lookup] });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(FactBook.ToolName, call.Name);
        Assert.Equal("How do sessions keep order?", call.Arguments!["question"]);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task The_tool_the_instructions_name_is_chosen_and_an_agent_argument_gets_the_quoted_name()
    {
        var model = new OfflineChatModel();

        var response = await model.GetResponseAsync([new ChatMessage(ChatRole.User, "What is the answer?")],
            new ChatOptions { Tools = [Lookup, Ask], Instructions = "Use ask_agent to ask the agent 'oracle'." });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("ask_agent", call.Name);
        Assert.Equal("oracle", call.Arguments!["agentId"]);
        Assert.Equal("What is the answer?", call.Arguments["message"]);
    }

    [Fact]
    public async Task With_function_invocation_it_runs_the_tool_and_answers_from_its_result()
    {
        using var client = new OfflineChatModel().AsBuilder().UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "How does a stream resume?")],
            new ChatOptions { Tools = [Lookup], Instructions = "Use lookup_facts, then answer with the findings." });

        string fact = FactBook.Lookup("How does a stream resume?").Split(". ")[0];
        Assert.StartsWith("Findings for \"How does a stream resume?\": 1. ", response.Text, StringComparison.Ordinal);
        Assert.Contains(fact, response.Text, StringComparison.Ordinal);
        Assert.Contains(response.Messages, m => m.Contents.OfType<FunctionResultContent>().Any());
    }

    [Fact]
    public async Task A_note_needs_no_tool_and_is_honoured_in_later_answers()
    {
        var model = new OfflineChatModel();
        var options = new ChatOptions { Tools = [Lookup] };

        var noted = await model.GetResponseAsync([new ChatMessage(ChatRole.User, "Keep it short.")], options);
        Assert.Equal("Noted: Keep it short.", noted.Text);

        var answer = await model.GetResponseAsync(
        [
            new ChatMessage(ChatRole.User, "Keep it short."),
            new ChatMessage(ChatRole.Assistant, noted.Text),
            new ChatMessage(ChatRole.User, "Why?"),
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", FactBook.ToolName, new Dictionary<string, object?> { ["question"] = "Why?" })]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "Because lite topics are cheap.")]),
        ], options);

        Assert.Equal("Answer for \"Why?\": 1. Because lite topics are cheap. (Keeping to your note: Keep it short.)", answer.Text);
    }

    [Fact]
    public async Task Without_tools_it_writes_from_the_labelled_lines_and_streams_word_by_word()
    {
        var model = new OfflineChatModel { TokenDelay = TimeSpan.Zero };
        string prompt = TeamAgents.WriterPrompt("Why lite topics?", "Plan for \"Why lite topics?\": 1. They are cheap. 2. They scale.");

        var updates = new List<string>();
        await foreach (var update in model.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)]))
        {
            updates.Add(update.Text);
        }

        Assert.Equal("You asked: Why lite topics? In short: They are cheap. They scale.", string.Concat(updates));
        Assert.Equal(12, updates.Count); // a word each
    }

    [Fact]
    public async Task A_different_question_gives_a_different_answer()
    {
        using var client = new OfflineChatModel().AsBuilder().UseFunctionInvocation().Build();
        var options = new ChatOptions { Tools = [Lookup] };

        var sessions = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "How is a session resumed?")], options);
        var replies = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Which gateway instance gets a reply?")], options);

        Assert.Contains("session|<id>", sessions.Text, StringComparison.Ordinal);
        Assert.Contains("reply|<instance id>", replies.Text, StringComparison.Ordinal);
        Assert.NotEqual(sessions.Text, replies.Text);
    }
}
