using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace AgentBus.Client.Messages;

/// <summary>
/// The properties of one message, in the order they were set: a small array searched in place while the message
/// has few of them (most carry one to four), a dictionary past <see cref="LinearLimit"/>. About 60 bytes for one
/// property where a <see cref="Dictionary{TKey,TValue}"/> takes over 300, and no string hashing on the way in or
/// out. Setting a key again replaces its value (a protobuf map's last entry wins). Filled by the one thread that
/// builds or decodes the message, read-only after.
/// </summary>
internal sealed class PropertyMap : IReadOnlyDictionary<string, string>
{
    internal const int LinearLimit = 8;

    private KeyValuePair<string, string>[] _entries;
    private Dictionary<string, int>? _index;
    private int _count;

    public PropertyMap(int capacity)
    {
        _entries = new KeyValuePair<string, string>[Math.Max(capacity, 1)];
    }

    public int Count => _count;

    public IEnumerable<string> Keys
    {
        get
        {
            for (int i = 0; i < _count; i++)
            {
                yield return _entries[i].Key;
            }
        }
    }

    public IEnumerable<string> Values
    {
        get
        {
            for (int i = 0; i < _count; i++)
            {
                yield return _entries[i].Value;
            }
        }
    }

    /// <summary>The entries, for writers that walk them without an enumerator.</summary>
    internal ReadOnlySpan<KeyValuePair<string, string>> Entries => _entries.AsSpan(0, _count);

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No property '{key}'.");

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>, replacing an earlier value.</summary>
    public void Set(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        int at = IndexOf(key);
        if (at >= 0)
        {
            _entries[at] = new(key, value);
            return;
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_count] = new(key, value);
        if (_index is not null)
        {
            _index.Add(key, _count);
        }
        else if (_count == LinearLimit)
        {
            _index = new Dictionary<string, int>(_count * 2, StringComparer.Ordinal);
            for (int i = 0; i <= _count; i++)
            {
                _index.Add(_entries[i].Key, i);
            }
        }

        _count++;
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        int at = IndexOf(key);
        if (at < 0)
        {
            value = null;
            return false;
        }

        value = _entries[at].Value;
        return true;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (int i = 0; i < _count; i++)
        {
            yield return _entries[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_index is not null)
        {
            return _index.TryGetValue(key, out int at) ? at : -1;
        }

        for (int i = 0; i < _count; i++)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
