using AgentBus.SemanticKernel.Hosting;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentBus.SemanticKernel.Tests;

/// <summary>The bounds of a hosted kernel's session history: whole turns trimmed, least recently used sessions forgotten.</summary>
public sealed class HistoryTests
{
    private static ChatHistory Conversation(params (AuthorRole Role, string Text)[] messages)
    {
        var history = new ChatHistory();
        foreach (var (role, text) in messages)
        {
            history.AddMessage(role, text);
        }

        return history;
    }

    private static IEnumerable<string?> Texts(ChatHistory history) => history.Select(m => m.Content);

    [Fact]
    public void Trimming_drops_whole_turns_from_the_start_so_a_tool_result_keeps_its_call()
    {
        var history = Conversation((AuthorRole.User, "u1"), (AuthorRole.Assistant, "a1"), (AuthorRole.User, "u2"), (AuthorRole.Assistant, "call"),
            (AuthorRole.Tool, "result"), (AuthorRole.Assistant, "a2"), (AuthorRole.User, "u3"), (AuthorRole.Assistant, "a3"));

        HistoryTrimmer.Trim(history, 5);

        Assert.Equal(["u3", "a3"], Texts(history));
    }

    [Fact]
    public void A_turn_longer_than_the_bound_is_kept_whole_and_a_short_history_untouched()
    {
        var longTurn = Conversation((AuthorRole.User, "u1"), (AuthorRole.Assistant, "a1"), (AuthorRole.User, "u2"), (AuthorRole.Assistant, "call"),
            (AuthorRole.Tool, "result"), (AuthorRole.Assistant, "call"), (AuthorRole.Tool, "result"), (AuthorRole.Assistant, "a2"));
        HistoryTrimmer.Trim(longTurn, 3);
        Assert.Equal(["u2", "call", "result", "call", "result", "a2"], Texts(longTurn));

        var shortOne = Conversation((AuthorRole.User, "u1"), (AuthorRole.Assistant, "a1"));
        HistoryTrimmer.Trim(shortOne, 2);
        Assert.Equal(["u1", "a1"], Texts(shortOne));
    }

    [Fact]
    public async Task The_in_memory_store_forgets_the_least_recently_used_session_and_hands_out_copies()
    {
        var store = new InMemoryHistoryStore(capacity: 2);
        await store.SaveAsync("writer", "s1", Conversation((AuthorRole.User, "one")), default);
        await store.SaveAsync("writer", "s2", Conversation((AuthorRole.User, "two")), default);
        var s1 = await store.LoadAsync("writer", "s1", default);                 // s1 is now the most recent
        s1!.AddUserMessage("not saved");
        await store.SaveAsync("writer", "s3", Conversation((AuthorRole.User, "three")), default);

        Assert.Equal(2, store.Count);
        Assert.Null(await store.LoadAsync("writer", "s2", default));
        Assert.Equal(["one"], Texts((await store.LoadAsync("writer", "s1", default))!));
        Assert.Null(await store.LoadAsync("editor", "s1", default));              // per agent
    }
}
