using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Tests.Queues;

public sealed class ConsumeQueueIdentityTests
{
    [Fact]
    public void Queues_are_equal_only_to_themselves_even_with_the_same_name()
    {
        var a = new ConsumeQueue("agents", "inbox.a", 0, 0);
        var twin = new ConsumeQueue("agents", "inbox.a", 0, 0);

        Assert.True(a.Equals(a));
        Assert.False(a.Equals(twin));
        Assert.False(a.Equals(null));
        Assert.NotEqual(a.GetHashCode(), twin.GetHashCode());
    }

    [Fact]
    public void The_hash_code_is_stable_across_locking_and_spreads_over_many_queues()
    {
        var queues = Enumerable.Range(0, 10_000).Select(i => new ConsumeQueue("agents", $"lite-{i}", 0, 0)).ToArray();
        var before = queues.Select(q => q.GetHashCode()).ToArray();
        foreach (var queue in queues)
        {
            Assert.True(queue.RecoverAppend(0, 1, 0)); // takes the queue's own lock
        }

        Assert.Equal(before, queues.Select(q => q.GetHashCode()));
        Assert.Equal(queues.Length, before.Distinct().Count());

        var set = new HashSet<ConsumeQueue>(queues);
        Assert.All(queues, q => Assert.Contains(q, set));
        Assert.DoesNotContain(new ConsumeQueue("agents", "lite-0", 0, 0), set);
    }
}
