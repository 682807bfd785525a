using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentBus.SemanticKernel.Hosting;

/// <summary>Cuts a session's history to a bound, dropping whole turns from the start.</summary>
internal static class HistoryTrimmer
{
    /// <summary>
    /// Keeps at most <paramref name="max"/> messages, starting at a user message: a turn's function calls and results
    /// stay together (a result without its call is refused by chat APIs). When no user message starts the last
    /// <paramref name="max"/>, the last turn is kept whole.
    /// </summary>
    public static void Trim(ChatHistory history, int max)
    {
        if (history.Count <= max)
        {
            return;
        }

        int start = -1;
        for (int i = history.Count - max; i < history.Count; i++)
        {
            if (history[i].Role == AuthorRole.User)
            {
                start = i;
                break;
            }
        }

        if (start < 0)
        {
            for (int i = history.Count - max - 1; i >= 0 && start < 0; i--)
            {
                if (history[i].Role == AuthorRole.User)
                {
                    start = i;
                }
            }
        }

        if (start > 0)
        {
            history.RemoveRange(0, start);
        }
    }
}
