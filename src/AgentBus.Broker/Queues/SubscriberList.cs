using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Queues;

/// <summary>
/// An immutable snapshot of a lite topic's subscribers without an array for the common case of one subscriber:
/// the queue stores null, one <see cref="LiteSession"/>, or a <see cref="LiteSession"/> array.
/// </summary>
internal readonly struct SubscriberList
{
    private readonly object? _value;

    public SubscriberList(object? value) => _value = value;

    public int Count => _value switch
    {
        null => 0,
        LiteSession => 1,
        _ => ((LiteSession[])_value).Length,
    };

    public LiteSession this[int index] => _value is LiteSession single
        ? (index == 0 ? single : throw new ArgumentOutOfRangeException(nameof(index)))
        : ((LiteSession[])_value!)[index];

    public bool Contains(LiteSession session) => IndexOf(session) >= 0;

    public int IndexOf(LiteSession session) => _value switch
    {
        null => -1,
        LiteSession single => single == session ? 0 : -1,
        _ => Array.IndexOf((LiteSession[])_value, session),
    };

    /// <summary>The stored form of this list plus <paramref name="session"/>.</summary>
    public object With(LiteSession session) => _value switch
    {
        null => session,
        LiteSession single => new[] { single, session },
        _ => (LiteSession[])[.. (LiteSession[])_value, session],
    };

    /// <summary>The stored form of this list without the entry at <paramref name="index"/>.</summary>
    public object? Without(int index)
    {
        if (_value is LiteSession)
        {
            return null;
        }

        var all = (LiteSession[])_value!;
        if (all.Length == 2)
        {
            return all[1 - index];
        }

        var rest = new LiteSession[all.Length - 1];
        Array.Copy(all, 0, rest, 0, index);
        Array.Copy(all, index + 1, rest, index, all.Length - index - 1);
        return rest;
    }

    public Enumerator GetEnumerator() => new(this);

    /// <summary>Allocation-free enumeration.</summary>
    public struct Enumerator(SubscriberList list)
    {
        private int _index = -1;

        public readonly LiteSession Current => list[_index];

        public bool MoveNext() => ++_index < list.Count;
    }
}
