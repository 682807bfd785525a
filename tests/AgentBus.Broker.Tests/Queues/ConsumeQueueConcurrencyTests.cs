using AgentBus.Broker.Consumption;
using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Tests.Queues;

/// <summary>
/// The queue keeps its pop semantics atomic on its own: several threads popping, acknowledging, committing skipped
/// deliveries, handing deliveries back and expiring them on one queue never see a message delivered while another
/// holder's delivery of it is still invisible, and lose none.
/// </summary>
public sealed class ConsumeQueueConcurrencyTests
{
    private const int Messages = 3_000;
    private const int Consumers = 4;
    private const long NeverExpires = long.MaxValue / 2;
    private const long Now = 1;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_pop_ack_and_release_deliver_each_message_to_one_holder_at_a_time_and_lose_none(bool fifo)
    {
        var queue = new ConsumeQueue("agents", "inbox", 0, 0);
        for (long offset = 0; offset < Messages; offset++)
        {
            Assert.True(queue.RecoverAppend(offset, position: 1_000 + offset, storeTimestamp: 0));
        }

        var run = new Run(queue, fifo);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var workers = Enumerable.Range(1, Consumers).Select(id => Task.Run(() => run.Consume(id, timeout.Token))).ToList();
        workers.Add(Task.Run(() => run.ExpireReleased(timeout.Token)));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Empty(run.Failures);
        Assert.True(run.Done, $"only {run.AckedCount} of {Messages} messages were acknowledged before the bound");
        Assert.All(run.Acked, count => Assert.Equal(1, count));
        Assert.True(run.Released > 0, "no delivery was handed back: the redelivery path was not exercised");
        Assert.Equal((Messages, Messages), (queue.ReadOffsets("g", out var position).Max, position!.Value.CommittedOffset));
        Assert.Equal(0, queue.Backlog("g"));
        Assert.False(queue.HasDeliverable("g", fifo));
    }

    private sealed class Run(ConsumeQueue queue, bool fifo)
    {
        private readonly int[] _holder = new int[Messages]; // 0: nobody holds a valid delivery of the offset
        private readonly PopRequest _request = new("g", fifo, MaxDeliveryAttempts: int.MaxValue, InvisibleUntil: NeverExpires, Holder: null);
        private long _deliverySeq;
        private int _held;
        private int _acked;
        private int _released;
        private GroupCursor? _cursor;

        public int[] Acked { get; } = new int[Messages];

        public System.Collections.Concurrent.ConcurrentQueue<string> Failures { get; } = new();

        public int AckedCount => Volatile.Read(ref _acked);

        public int Released => Volatile.Read(ref _released);

        public bool Done => AckedCount == Messages;

        public void Consume(int id, CancellationToken cancellationToken)
        {
            var random = new Random(id);
            var taken = new List<(long Offset, int Attempt)>();
            var popped = new List<(long Position, long Offset, int Attempt, long Seq)>();
            var skipped = new List<(long Offset, long Seq)>(1);
            List<long>? deadLetters = null;
            var idle = default(SpinWait);
            for (int round = 0; round < 200_000 && !Done && !cancellationToken.IsCancellationRequested && Failures.IsEmpty; round++)
            {
                popped.Clear();
                var cursor = queue.Pop(Volatile.Read(ref _cursor), _request, random.Next(1, 9), ref _deliverySeq, taken, popped, ref deadLetters, out _);
                Interlocked.CompareExchange(ref _cursor, cursor, null);
                if (popped.Count == 0)
                {
                    // Nothing visible (all held, or handed back and not yet expired): back off, escalating to sleeps,
                    // so on a loaded machine the thread holding the queue's lock is not starved by the ones waiting for it.
                    idle.SpinOnce();
                    continue;
                }

                idle.Reset();

                // FIFO: one batch in flight per queue, so nothing else may be held while this one is handed out.
                int held = Interlocked.Add(ref _held, popped.Count);
                if (fifo && held != popped.Count)
                {
                    Failures.Enqueue($"FIFO: {held - popped.Count} deliveries were held when a batch of {popped.Count} was handed out");
                }

                foreach (var (position, offset, _, _) in popped)
                {
                    if (position != 1_000 + offset)
                    {
                        Failures.Enqueue($"offset {offset} came with position {position}");
                    }

                    int other = Interlocked.CompareExchange(ref _holder[offset], id, 0);
                    if (other != 0)
                    {
                        Failures.Enqueue($"offset {offset} delivered to consumer {id} while consumer {other} held it");
                    }
                }

                foreach (var (_, offset, _, seq) in popped)
                {
                    // Given up before the queue hears of it: nobody can be handed the message until the queue has.
                    Volatile.Write(ref _holder[offset], 0);
                    Interlocked.Decrement(ref _held);
                    switch (random.Next(4))
                    {
                        case 0:
                            if (!queue.ChangeInvisible(cursor, offset, seq, invisibleUntil: 0, suspend: false, newSeq: Interlocked.Increment(ref _deliverySeq), handBack: true))
                            {
                                Failures.Enqueue($"handing back offset {offset} (seq {seq}) was refused");
                            }

                            Interlocked.Increment(ref _released);
                            break;
                        case 1:
                            skipped.Clear();
                            skipped.Add((offset, seq));
                            queue.CommitSkipped(cursor, skipped, fifo);
                            Acknowledged(offset);
                            break;
                        default:
                            if (!queue.Ack(cursor, offset, seq, fifo, out _))
                            {
                                Failures.Enqueue($"ack of offset {offset} (seq {seq}) was refused");
                            }

                            Acknowledged(offset);
                            break;
                    }
                }
            }
        }

        public void ExpireReleased(CancellationToken cancellationToken)
        {
            var pace = default(SpinWait);
            while (!Done && !cancellationToken.IsCancellationRequested && Failures.IsEmpty)
            {
                if (Volatile.Read(ref _cursor) is { } cursor)
                {
                    queue.Expire(cursor, Now, out _);
                }

                // The same back-off as the consumers': the expiring thread must not hog the lock it shares with them.
                pace.SpinOnce();
            }
        }

        private void Acknowledged(long offset)
        {
            Interlocked.Increment(ref Acked[offset]);
            Interlocked.Increment(ref _acked);
        }
    }
}
