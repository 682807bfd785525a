using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace MultiAgentDemo.Model;

/// <summary>What the built-in model reads out of one call: its instructions, the user's last message, the notes left earlier, the tool results.</summary>
internal sealed partial class Conversation
{
    public Conversation(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        int lastUser = -1;
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role == ChatRole.User)
            {
                lastUser = i;
            }
        }

        Instructions = string.Join("\n", new[] { options?.Instructions }
            .Concat(messages.Where(static m => m.Role == ChatRole.System).Select(static m => m.Text))
            .Where(static text => !string.IsNullOrWhiteSpace(text)));
        UserText = lastUser < 0 ? "" : messages[lastUser].Text.Trim();
        Notes = [.. messages.Take(Math.Max(0, lastUser))
            .Where(static m => m.Role == ChatRole.User && !IsQuestion(m.Text) && !string.IsNullOrWhiteSpace(m.Text))
            .Select(static m => m.Text.Trim())];
        ToolResults = [.. messages.Skip(lastUser + 1).SelectMany(static m => m.Contents.OfType<FunctionResultContent>()).Select(TextOf)];
        QuotedName = QuotedNamePattern().Match(Instructions) is { Success: true } quoted ? quoted.Groups[1].Value : null;
        Heading = HeadingPattern().Match(Instructions) is { Success: true } heading
            ? char.ToUpperInvariant(heading.Groups[1].Value[0]) + heading.Groups[1].Value[1..]
            : "Answer";
    }

    /// <summary>The options' instructions and the system messages, joined.</summary>
    public string Instructions { get; }

    /// <summary>The user's last message.</summary>
    public string UserText { get; }

    /// <summary>What the user said earlier that was not a question: preferences, notes.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The results of the tools called since the user's last message, as text.</summary>
    public IReadOnlyList<string> ToolResults { get; }

    /// <summary>The first 'quoted' name in the instructions (the peer it is told to ask), if any.</summary>
    public string? QuotedName { get; }

    /// <summary>What the instructions say to answer with ("answer with a short plan" → Plan); "Answer" otherwise.</summary>
    public string Heading { get; }

    /// <summary>Whether a text asks something (the model's test for "the conversation needs the tools").</summary>
    public static bool IsQuestion(string text) => text.Contains('?', StringComparison.Ordinal);

    private static string TextOf(FunctionResultContent result) => result switch
    {
        { Exception: { } error } => error.Message,
        { Result: string text } => text,
        { Result: System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } json } => json.GetString() ?? "",
        { Result: null } => "",
        { Result: var other } => System.Text.Json.JsonSerializer.Serialize(other),
    };

    [GeneratedRegex(@"'([A-Za-z0-9_\-/.]+)'")]
    private static partial Regex QuotedNamePattern();

    [GeneratedRegex(@"answer with (?:a |an |the )?(?:short |few |brief )?([A-Za-z]+)", RegexOptions.IgnoreCase)]
    private static partial Regex HeadingPattern();
}
