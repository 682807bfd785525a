using System.Runtime.CompilerServices;

namespace AgentBus.AgentFramework;

/// <summary>Reads of a bus session's history without owning it (<see cref="Agent.ReadSessionHistoryAsync"/>).</summary>
internal static class SessionHistoryReads
{
    private const int Page = 100;

    // How far back one step of the search for the latest bus message reaches: a session written only by the bus has
    // it at its very end, so this is one read.
    private const int BackStep = 16;

    /// <summary>The latest message posted to <paramref name="sessionId"/>, or null when there is none.</summary>
    public static async Task<SessionMessage?> ReadLatestAsync(Agent agent, string sessionId, CancellationToken ct)
    {
        var probe = await agent.ReadSessionHistoryAsync(sessionId, long.MaxValue / 2, 1, ct).ConfigureAwait(false);
        long end = probe.EndOffset, first = probe.FirstOffset;
        while (end > first)
        {
            long from = Math.Max(first, end - BackStep);
            var page = await agent.ReadSessionHistoryAsync(sessionId, from, (int)(end - from), ct).ConfigureAwait(false);
            if (page.Messages.Count > 0)
            {
                return page.Messages[^1];
            }

            end = from;
        }

        return null;
    }

    /// <summary>Every message posted to <paramref name="sessionId"/> that is still kept, oldest first.</summary>
    public static async IAsyncEnumerable<SessionMessage> ReadAllAsync(Agent agent, string sessionId, [EnumeratorCancellation] CancellationToken ct)
    {
        long offset = 0;
        while (true)
        {
            var page = await agent.ReadSessionHistoryAsync(sessionId, offset, Page, ct).ConfigureAwait(false);
            foreach (var message in page.Messages)
            {
                yield return message;
            }

            if (!page.HasMore || page.NextOffset <= offset)
            {
                yield break;
            }

            offset = page.NextOffset;
        }
    }
}
