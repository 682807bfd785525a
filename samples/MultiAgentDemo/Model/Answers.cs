using System.Text;
using System.Text.RegularExpressions;

namespace MultiAgentDemo.Model;

/// <summary>How the built-in model words an answer: from tool results when it has them, else from the user's text.</summary>
internal static partial class Answers
{
    private const int MaxSentences = 4;

    public static string Compose(Conversation conversation)
    {
        var text = new StringBuilder();
        if (conversation.ToolResults.Count > 0)
        {
            var facts = conversation.ToolResults.SelectMany(Sentences).Distinct(StringComparer.Ordinal).Take(MaxSentences).ToList();
            text.Append(conversation.Heading).Append(" for \"").Append(conversation.UserText).Append("\":");
            for (int i = 0; i < facts.Count; i++)
            {
                text.Append(' ').Append(i + 1).Append(". ").Append(facts[i]);
            }
        }
        else if (!Conversation.IsQuestion(conversation.UserText))
        {
            text.Append("Noted: ").Append(conversation.UserText);
        }
        else
        {
            ComposeFromLabelledLines(conversation.UserText, text);
        }

        foreach (string note in conversation.Notes)
        {
            text.Append(" (Keeping to your note: ").Append(Unwrap(note)).Append(')');
        }

        return text.ToString();
    }

    /// <summary>"Question: ...?" and "Plan: ..." lines become a short text: the question restated, then the material.</summary>
    private static void ComposeFromLabelledLines(string userText, StringBuilder text)
    {
        var lines = userText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static line => LabelPattern().Match(line) is { Success: true } m ? m.Groups[2].Value : line)
            .ToList();
        string question = lines.FirstOrDefault(Conversation.IsQuestion) ?? userText;
        var material = lines.Where(line => line != question).SelectMany(Sentences).Distinct(StringComparer.Ordinal).Take(MaxSentences).ToList();
        text.Append("You asked: ").Append(question);
        if (material.Count == 0)
        {
            text.Append(" I have nothing to go on beyond the question itself.");
            return;
        }

        text.Append(" In short:");
        foreach (string sentence in material)
        {
            text.Append(' ').Append(sentence);
        }
    }

    /// <summary>The sentences of a text, without a lead ('Findings for "...":'), list numbers or earlier notes.</summary>
    internal static IEnumerable<string> Sentences(string text)
    {
        string body = NotePattern().Replace(LeadPattern().Replace(text, ""), "");
        foreach (string piece in SentenceEnd().Split(body))
        {
            string sentence = NumberPattern().Replace(piece.Trim(), "").Trim();
            if (sentence.Length > 0)
            {
                yield return sentence.EndsWith('.') || sentence.EndsWith('?') || sentence.EndsWith('!') ? sentence : sentence + ".";
            }
        }
    }

    private static string Unwrap(string note) => note.StartsWith("Noted: ", StringComparison.Ordinal) ? note[7..] : note;

    [GeneratedRegex(@"^\s*[A-Z][A-Za-z]* for ""[^""]*"":\s*")]
    private static partial Regex LeadPattern();

    [GeneratedRegex(@"\s*\(Keeping to your note: [^)]*\)")]
    private static partial Regex NotePattern();

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"^\d+\.\s*")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^([A-Z][A-Za-z ]{0,20}):\s*(.+)$")]
    private static partial Regex LabelPattern();
}
