namespace AgentBus.Tests.Infrastructure;

internal static class SessionReading
{
    /// <summary>Reads exactly <paramref name="count"/> messages of a session, failing after 20 s.</summary>
    public static async Task<List<SessionMessage>> ReadAsync(AgentSession session, int count)
    {
        var read = new List<SessionMessage>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var message in session.ReadAllAsync(timeout.Token))
        {
            read.Add(message);
            if (read.Count == count)
            {
                break;
            }
        }

        Assert.Equal(count, read.Count);
        return read;
    }
}
