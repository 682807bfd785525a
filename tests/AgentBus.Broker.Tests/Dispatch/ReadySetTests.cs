using AgentBus.Broker.Dispatch;
using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Tests.Dispatch;

public sealed class ReadySetTests
{
    private static ConsumeQueue Queue(string name) => new("agents", name, 0, 0);

    [Fact]
    public void OffersAreDeduplicatedAndBounded()
    {
        var set = new ReadySet(capacity: 2);
        var a = Queue("a");

        Assert.Equal(OfferOutcome.Added, set.Offer(a));
        Assert.Equal(OfferOutcome.AlreadyPresent, set.Offer(a));
        Assert.Equal(OfferOutcome.Added, set.Offer(Queue("b")));
        Assert.Equal(OfferOutcome.Overflow, set.Offer(Queue("c")));
        Assert.Equal(2, set.Count);
    }

    [Fact]
    public void Upstream11191_ReofferWhileAPopIsRunningIsNotSwallowed()
    {
        var set = new ReadySet(capacity: 10);
        var a = Queue("a");
        set.Offer(a);

        // A pop takes the lite topic out before it reads; a message landing during the read offers it again.
        Assert.True(set.TryTake(out var taken));
        Assert.Same(a, taken);
        Assert.Equal(OfferOutcome.Added, set.Offer(a));

        Assert.True(set.TryTake(out var again));
        Assert.Same(a, again);
    }

    [Fact]
    public async Task WaiterWakesOnOffer()
    {
        var set = new ReadySet(capacity: 10);
        var waits = new PollWaits(TimeProvider.System, CancellationToken.None);
        long seen = Assert.NotNull(set.PulsesIfEmpty());
        var wait = waits.WaitAsync(set.Offered, seen, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(wait.IsCompleted);

        set.Offer(Queue("a"));

        Assert.Equal(PollWaitOutcome.Signaled, await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_offer_between_the_look_and_the_wait_is_not_missed()
    {
        var set = new ReadySet(capacity: 10);
        var waits = new PollWaits(TimeProvider.System, CancellationToken.None);
        long seen = Assert.NotNull(set.PulsesIfEmpty());

        set.Offer(Queue("a")); // after the look, before the wait enlists
        var wait = waits.WaitAsync(set.Offered, seen, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.True(wait.IsCompleted);
        Assert.Equal(PollWaitOutcome.Signaled, await wait);
    }

    [Fact]
    public void Nothing_is_awaited_when_something_is_ready()
    {
        var set = new ReadySet(capacity: 10);
        set.Offer(Queue("a"));
        Assert.Null(set.PulsesIfEmpty());
    }
}
