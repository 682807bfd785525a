using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;

namespace AgentBus.Broker.Lookup;

/// <summary>
/// Where the most recent messages are in the commit log, by message id and by key: a ring of the last
/// <c>capacity</c> entries (one per message id, one per key of a message), each a 64-bit hash of the id or key, the
/// record's log position and its store time, chained to the previous entry of the same bucket; and a power-of-two
/// bucket table (at least two buckets per entry) of each bucket's newest entry. 32 bytes a ring slot plus 16 of table
/// per entry, both grown as entries come up to the capacity; then each add overwrites the oldest entry, which needs
/// no other work: a walk stops at entries older than the ring holds. Ids and keys are not kept: a lookup reads each
/// candidate record and compares, so a hash collision costs a read, never a wrong answer. Not thread-safe: the engine
/// adds under its append lock (so entries are in log order) and finds candidates under the same lock.
/// </summary>
internal sealed class MessageIndex
{
    private const ulong IdSeed = 0x6d7367, KeySeed = 0x6b6579; // an id and a key of equal text hash apart
    private const int InitialSize = 1024;

    private readonly int _capacity;
    private Entry[] _ring;
    private long[] _buckets; // newest entry's sequence number + 1 per bucket; 0 for none
    private long _next;      // sequence number of the next entry; entry s lives in slot s % _ring.Length

    public MessageIndex(int capacity)
    {
        _capacity = capacity;
        _ring = new Entry[Math.Min(capacity, InitialSize)];
        _buckets = new long[BucketCount(_ring.Length)];
    }

    /// <summary>Entries held now.</summary>
    public int Count => (int)Math.Min(_next, _ring.Length);

    /// <summary>The store time of the oldest entry held; null when none is.</summary>
    public long? OldestTimestamp => _next == 0 ? null : _ring[Oldest % _ring.Length].Timestamp;

    private long Oldest => Math.Max(0, _next - _ring.Length);

    /// <summary>Indexes one stored message under its id and each of its keys.</summary>
    public void Add(string messageId, IReadOnlyList<string> keys, long position, long timestamp)
    {
        if (_capacity == 0)
        {
            return;
        }

        Add(Hash(messageId, IdSeed), position, timestamp);
        for (int i = 0; i < keys.Count; i++)
        {
            Add(Hash(keys[i], KeySeed), position, timestamp);
        }
    }

    /// <summary>
    /// Log positions of the entries for a message id (or a key), newest first, whose store time is at or after
    /// <paramref name="since"/> (entries are in log order, so the walk stops at the first older one), at most
    /// <paramref name="max"/>.
    /// </summary>
    public List<long> Find(string value, bool isKey, long since, int max)
    {
        var positions = new List<long>();
        ulong hash = Hash(value, isKey ? KeySeed : IdSeed);
        long seq = _buckets[(int)(hash & (ulong)(_buckets.Length - 1))] - 1;
        long oldest = Oldest;
        while (seq >= oldest && positions.Count < max)
        {
            ref readonly var entry = ref _ring[seq % _ring.Length];
            if (entry.Timestamp < since)
            {
                break;
            }

            if (entry.Hash == hash && (positions.Count == 0 || positions[^1] != entry.Position))
            {
                positions.Add(entry.Position); // a message whose keys repeat is indexed once per key
            }

            seq = entry.Previous;
        }

        return positions;
    }

    private void Add(ulong hash, long position, long timestamp)
    {
        if (_next == _ring.Length && _ring.Length < _capacity)
        {
            Grow();
        }

        ref long newest = ref _buckets[(int)(hash & (ulong)(_buckets.Length - 1))];
        _ring[_next % _ring.Length] = new Entry(hash, position, timestamp, newest - 1);
        newest = ++_next;
    }

    /// <summary>Doubles the ring (not wrapped yet, so every entry keeps its slot) and re-chains the entries into a table to match.</summary>
    private void Grow()
    {
        Array.Resize(ref _ring, (int)Math.Min((long)_ring.Length * 2, _capacity));
        _buckets = new long[BucketCount(_ring.Length)];
        var ring = _ring.AsSpan(0, (int)_next);
        for (int seq = 0; seq < ring.Length; seq++)
        {
            ref long newest = ref _buckets[(int)(ring[seq].Hash & (ulong)(_buckets.Length - 1))];
            ring[seq] = ring[seq] with { Previous = newest - 1 };
            newest = seq + 1;
        }
    }

    private static int BucketCount(int entries) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, entries * 2));

    private static ulong Hash(string value, ulong seed) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()), (long)seed);

    private readonly record struct Entry(ulong Hash, long Position, long Timestamp, long Previous);
}
