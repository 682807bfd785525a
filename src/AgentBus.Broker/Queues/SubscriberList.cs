using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Queues;

/// <summary>
/// An immutable snapshot of a lite topic's subscribers without an array for the common case of one subscriber:
/// the queue stores null, one <see cref="ClientSession"/>, or a <see cref="ClientSession"/> array.
/// </summary>
internal readonly struct SubscriberList
{
    private readonly object? _value;

    public SubscriberList(object? value) => _value = value;

    public int Count => _value switch
    {
        null => 0,
        ClientSession => 1,
        _ => ((ClientSession[])_value).Length,
    };

    public ClientSession this[int index] => _value is ClientSession single
        ? (index == 0 ? single : throw new ArgumentOutOfRangeException(nameof(index)))
        : ((ClientSession[])_value!)[index];

    public bool Contains(ClientSession session) => IndexOf(session) >= 0;

    public int IndexOf(ClientSession session) => _value switch
    {
        null => -1,
        ClientSession single => single == session ? 0 : -1,
        _ => Array.IndexOf((ClientSession[])_value, session),
    };

    /// <summary>The stored form of this list plus <paramref name="session"/>.</summary>
    public object With(ClientSession session) => _value switch
    {
        null => session,
        ClientSession single => new[] { single, session },
        _ => (ClientSession[])[.. (ClientSession[])_value, session],
    };

    /// <summary>The stored form of this list without the entry at <paramref name="index"/>.</summary>
    public object? Without(int index)
    {
        if (_value is ClientSession)
        {
            return null;
        }

        var all = (ClientSession[])_value!;
        if (all.Length == 2)
        {
            return all[1 - index];
        }

        var rest = new ClientSession[all.Length - 1];
        Array.Copy(all, 0, rest, 0, index);
        Array.Copy(all, index + 1, rest, index, all.Length - index - 1);
        return rest;
    }

    public Enumerator GetEnumerator() => new(this);

    /// <summary>Allocation-free enumeration.</summary>
    public struct Enumerator(SubscriberList list)
    {
        private int _index = -1;

        public readonly ClientSession Current => list[_index];

        public bool MoveNext() => ++_index < list.Count;
    }
}
