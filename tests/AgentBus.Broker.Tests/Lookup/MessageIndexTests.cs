using AgentBus.Broker.Lookup;

namespace AgentBus.Broker.Tests.Lookup;

/// <summary>The message index on its own: growth (entries re-chained into a larger table), wrap-around, keys, time bounds.</summary>
public sealed class MessageIndexTests
{
    private static string Id(int i) => $"id-{i}";

    [Fact]
    public void Ids_are_found_through_growth_and_wrap_and_the_oldest_are_forgotten()
    {
        const int capacity = 3000;
        var index = new MessageIndex(capacity);
        for (int i = 0; i < 5000; i++)
        {
            index.Add(Id(i), [], position: i * 100L, timestamp: 1000 + i);
        }

        Assert.Equal(capacity, index.Count);
        Assert.Equal(1000 + 2000, index.OldestTimestamp);
        for (int i = 0; i < 5000; i++)
        {
            var found = index.Find(Id(i), isKey: false, since: long.MinValue, max: 10);
            // A hash collision may add a candidate (the engine reads and compares); the id's own position is there exactly when kept.
            Assert.Equal(i >= 2000, found.Contains(i * 100L));
        }
    }

    [Fact]
    public void A_key_lists_its_messages_newest_first_within_the_time_bound_and_the_limit()
    {
        var index = new MessageIndex(100_000);
        for (int i = 0; i < 2000; i++)
        {
            index.Add(Id(i), i % 100 == 0 ? ["hot", "hot"] : [$"k{i}"], position: i, timestamp: i);
        }

        var all = index.Find("hot", isKey: true, since: long.MinValue, max: 1000);
        var recent = index.Find("hot", isKey: true, since: 1500, max: 1000);
        var newestTwo = index.Find("hot", isKey: true, since: long.MinValue, max: 2);

        Assert.Equal(Enumerable.Range(0, 20).Reverse().Select(i => i * 100L), all);   // a repeated key counts its message once
        Assert.Equal([1900L, 1800, 1700, 1600, 1500], recent);
        Assert.Equal([1900L, 1800], newestTwo);
        Assert.Empty(index.Find("hot", isKey: false, since: long.MinValue, max: 10)); // an id and a key of the same text are apart
        Assert.Empty(index.Find("missing", isKey: true, since: long.MinValue, max: 10));
    }

    [Fact]
    public void A_capacity_of_zero_indexes_nothing()
    {
        var index = new MessageIndex(0);
        index.Add("a", ["k"], 1, 1);

        Assert.Equal(0, index.Count);
        Assert.Null(index.OldestTimestamp);
        Assert.Empty(index.Find("a", isKey: false, since: long.MinValue, max: 10));
    }
}
