using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Tests.Engine;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Tests.StateFiles;

/// <summary>Ways a crash, a disk or an operator damages a file, and what tests read back after a restart.</summary>
internal static class StateFileDamage
{
    public static void FlipByte(string path, int fromEnd)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length - fromEnd] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
    }

    public static void Truncate(string path, int length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.SetLength(length);
    }

    /// <summary>
    /// Damages <paramref name="path"/> the way <paramref name="damage"/> names: "flipped byte" (at
    /// <paramref name="flipFromEnd"/> from the end), "truncated" (to <paramref name="truncateTo"/> bytes, or by 5 when
    /// negative), "zero-length" or "missing"; false for another name, which the caller applies itself.
    /// </summary>
    public static bool Damage(string path, string damage, int flipFromEnd, int truncateTo = -1)
    {
        switch (damage)
        {
            case "flipped byte":
                FlipByte(path, flipFromEnd);
                return true;
            case "truncated":
                Truncate(path, truncateTo >= 0 ? truncateTo : (int)new FileInfo(path).Length - 5);
                return true;
            case "zero-length":
                Truncate(path, 0);
                return true;
            case "missing":
                File.Delete(path);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Receives everything client <paramref name="clientId"/> of group g gets on lite topic t, in order.</summary>
    public static async Task<List<string>> DrainAsync(EngineHarness h, string clientId)
    {
        h.Engine.SyncLiteSubscription(clientId, "g", "agents", LiteSyncAction.PartialAdd, ["t"]);
        var bodies = new List<string>();
        for (int round = 0; round < 20; round++)
        {
            var batch = await h.ReceiveAsync(clientId, "g");
            if (batch.Count == 0)
            {
                break;
            }

            bodies.AddRange(batch.Select(d => d.BodyText()));
        }

        return bodies;
    }

    public static IEnumerable<string> Range(int from, int toExclusive) => Enumerable.Range(from, toExclusive - from).Select(i => $"{i}");

    public static (LogLevel Level, EventId Event, string Message) Logged(EngineHarness h, int eventId) =>
        Assert.Single(h.Logs.Logger.Entries, e => e.Event.Id == eventId);

    public static void NothingAtOrAbove(EngineHarness h, LogLevel level) =>
        Assert.DoesNotContain(h.Logs.Logger.Entries, e => e.Level >= level);
}
