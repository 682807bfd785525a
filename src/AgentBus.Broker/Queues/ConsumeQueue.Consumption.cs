using System.Diagnostics;
using AgentBus.Broker.Consumption;

namespace AgentBus.Broker.Queues;

// Pop semantics over the groups' cursors: pop, commit (ack), change of invisibility, expiry, release of a client's
// deliveries, and whether a re-offer is due. Each is one critical section of the queue's lock.
internal sealed partial class ConsumeQueue
{
    /// <summary>
    /// One pop round for <paramref name="request"/>'s group (its cursor created at the first stored message when
    /// missing; pass the one a previous round returned): takes up to <paramref name="max"/> offsets, redeliveries
    /// first, and marks each in flight until the request's deadline with a fresh number from
    /// <paramref name="deliverySeq"/>, adding it to <paramref name="popped"/>. An offset no longer stored (trimmed by
    /// retention meanwhile) is dropped; one past the group's attempt limit is dropped and its position added to
    /// <paramref name="deadLetters"/>. <paramref name="more"/> says whether the group could pop again now.
    /// <paramref name="taken"/> is scratch space the caller reuses between rounds. One lock acquisition.
    /// </summary>
    public GroupCursor Pop(GroupCursor? cursor, in PopRequest request, int max, ref long deliverySeq,
        List<(long Offset, int Attempt)> taken, List<(long Position, long Offset, int Attempt, long Seq)> popped,
        ref List<long>? deadLetters, out bool more)
    {
        Debug.Assert(cursor is null || cursor.Queue == this);
        lock (this)
        {
            cursor ??= FindCursor(request.Group) ?? GetOrAddCursorLocked(request.Group, _index.MinOffset, out _);
            cursor.TakeLocked(max, request.Fifo, taken);
            foreach (var (offset, attempt) in taken)
            {
                if (!_index.TryGet(offset, out long position))
                {
                    cursor.DropLocked(offset); // trimmed by retention meanwhile
                    continue;
                }

                if (attempt > request.MaxDeliveryAttempts)
                {
                    (deadLetters ??= []).Add(position);
                    cursor.DropLocked(offset);
                    continue;
                }

                long seq = Interlocked.Increment(ref deliverySeq);
                cursor.MarkInflightLocked(offset, attempt, request.InvisibleUntil, seq, request.Holder);
                popped.Add((position, offset, attempt, seq));
            }

            taken.Clear();
            more = cursor.HasDeliverableLocked(request.Fifo);
            return cursor;
        }
    }

    /// <summary>
    /// Commits deliveries a pop handed out but nobody will receive (a filter rejected them, or the record is
    /// unreadable); returns whether the group could pop again now.
    /// </summary>
    public bool CommitSkipped(GroupCursor cursor, List<(long Offset, long Seq)> skipped, bool fifo)
    {
        Debug.Assert(cursor.Queue == this);
        lock (this)
        {
            foreach (var (offset, seq) in skipped)
            {
                cursor.AckLocked(offset, seq);
            }

            return cursor.HasDeliverableLocked(fifo);
        }
    }

    /// <summary>
    /// Acknowledges one delivery; false when it is no longer the current one (redelivered, or acknowledged already).
    /// <paramref name="freed"/>: a FIFO group can pop again now (the ack ended its batch).
    /// </summary>
    public bool Ack(GroupCursor cursor, long offset, long deliverySeq, bool fifo, out bool freed)
    {
        Debug.Assert(cursor.Queue == this);
        lock (this)
        {
            if (!cursor.AckLocked(offset, deliverySeq))
            {
                freed = false;
                return false;
            }

            freed = fifo && cursor.HasDeliverableLocked(fifo: true);
            return true;
        }
    }

    /// <summary>Moves a delivery's invisibility deadline (see <see cref="GroupCursor.ChangeInvisibleLocked"/>); false when stale.</summary>
    public bool ChangeInvisible(GroupCursor cursor, long offset, long deliverySeq, long invisibleUntil, bool suspend, long newSeq, bool handBack)
    {
        Debug.Assert(cursor.Queue == this);
        lock (this)
        {
            return cursor.ChangeInvisibleLocked(offset, deliverySeq, invisibleUntil, suspend, newSeq, handBack) >= 0;
        }
    }

    /// <summary>Turns the cursor's deliveries whose invisibility ended by <paramref name="now"/> into redeliveries; returns the next deadline.</summary>
    public long Expire(GroupCursor cursor, long now, out int expired)
    {
        Debug.Assert(cursor.Queue == this);
        lock (this)
        {
            return cursor.ExpireLocked(now, out expired);
        }
    }

    /// <summary>
    /// Makes every delivery of <paramref name="group"/> held by <paramref name="holder"/> (a client that left)
    /// deliverable again at once, without counting an attempt; returns how many.
    /// </summary>
    public int ReleaseHeldBy(string group, object holder)
    {
        lock (this)
        {
            return FindCursor(group)?.ReleaseHeldByLocked(holder) ?? 0;
        }
    }

    /// <summary>Deliveries of <paramref name="group"/> in flight and held by <paramref name="holder"/>.</summary>
    public int HeldBy(string group, object holder)
    {
        lock (this)
        {
            return FindCursor(group)?.HeldByLocked(holder) ?? 0;
        }
    }

    /// <summary>
    /// Whether a pop for <paramref name="group"/> would return something now: the re-offer check. A group without a
    /// position yet starts at the first stored message, so then anything stored is deliverable.
    /// </summary>
    public bool HasDeliverable(string group, bool fifo)
    {
        lock (this)
        {
            return FindCursor(group)?.HasDeliverableLocked(fifo) ?? _index.MaxOffset > _index.MinOffset;
        }
    }
}

/// <summary>
/// What one pop round of <see cref="ConsumeQueue.Pop"/> is for: the group (its name, FIFO or not, its attempt limit),
/// the deliveries' invisibility deadline and their holder (the lite client they go to, released at once if it leaves; or null).
/// </summary>
internal readonly record struct PopRequest(string Group, bool Fifo, int MaxDeliveryAttempts, long InvisibleUntil, object? Holder);
