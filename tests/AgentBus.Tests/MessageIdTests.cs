using System.Collections.Concurrent;
using System.Globalization;
using AgentBus.Envelopes;

namespace AgentBus.Tests;

public sealed class MessageIdTests
{
    [Fact]
    public void An_id_is_a_version_7_uuid_in_32_lower_case_hex_digits_carrying_its_millisecond()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string id = MessageIds.New(now);

        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal('7', id[12]);
        Assert.Contains(id[16], "89ab");
        Assert.Equal(now, long.Parse(id[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        var guid = Guid.ParseExact(id, "N");
        Assert.Equal(7, guid.Version);
    }

    [Fact]
    public void Ids_are_ordered_by_their_millisecond()
    {
        Assert.True(string.CompareOrdinal(MessageIds.New(1_000), MessageIds.New(1_001)) < 0);
        Assert.True(string.CompareOrdinal(MessageIds.New(0xFFFF), MessageIds.New(0x10000)) < 0);
    }

    [Fact]
    public void Ids_made_on_many_threads_in_the_same_millisecond_never_repeat()
    {
        // More ids per thread than one block of random bits serves, so refills are crossed too.
        var seen = new ConcurrentDictionary<string, bool>();
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                Assert.True(seen.TryAdd(MessageIds.New(42), true));
            }
        });
        Assert.Equal(40_000, seen.Count);

        // And the random part is random: every hex digit position after the version varies.
        var ids = seen.Keys.Take(2_000).ToArray();
        for (int position = 13; position < 32; position++)
        {
            if (position != 16)
            {
                Assert.True(ids.Select(id => id[position]).Distinct().Count() > 8, $"digit {position} barely varies");
            }
        }
    }
}
