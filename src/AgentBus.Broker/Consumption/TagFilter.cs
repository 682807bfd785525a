using System.Text;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Consumption;

/// <summary>
/// Which tags a consumer wants: every message, or those whose tag is one of a set. A receive given a filter consumes
/// the messages it rejects for the group on the way (as RocketMQ does) and hands out only the ones it accepts.
/// </summary>
public sealed class TagFilter : IRecordTagFilter
{
    // Tags longer than this are decoded into a string to be looked up; shorter ones on the stack.
    private const int StackTagChars = 256;

    private readonly HashSet<string>? _tags;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private TagFilter(HashSet<string>? tags)
    {
        _tags = tags;
        if (tags is not null)
        {
            _lookup = tags.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    /// <summary>A filter that accepts every message.</summary>
    public static TagFilter All { get; } = new(null);

    /// <summary>Whether the filter accepts every message.</summary>
    public bool AcceptsAll => _tags is null;

    /// <summary>A filter that accepts messages tagged with one of <paramref name="tags"/>; none or a <c>*</c> among them accepts all.</summary>
    /// <param name="tags">The wanted tags (compared ordinally).</param>
    /// <returns>The filter.</returns>
    public static TagFilter Of(params IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (string tag in tags)
        {
            if (tag == "*")
            {
                return All;
            }

            set.Add(tag);
        }

        return set.Count == 0 ? All : new TagFilter(set);
    }

    /// <summary>
    /// Reads a tag expression: <c>*</c>, or tags joined by <c>||</c> (blanks around each ignored). An empty
    /// expression, or a <c>*</c> among the tags, accepts everything.
    /// </summary>
    /// <param name="expression">The expression.</param>
    /// <returns>The filter.</returns>
    public static TagFilter Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return Of(expression.Split("||", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>Whether a message with <paramref name="tag"/> passes the filter.</summary>
    /// <param name="tag">The message's tag, or null.</param>
    /// <returns>True when the consumer wants the message.</returns>
    public bool Accepts(string? tag) => _tags is null || (tag is not null && _tags.Contains(tag));

    /// <summary>Looks a stored record's tag up without decoding the record, so a rejected message costs no allocation.</summary>
    bool IRecordTagFilter.Accepts(bool tagged, ReadOnlySpan<byte> utf8Tag)
    {
        if (_tags is null)
        {
            return true;
        }

        if (!tagged)
        {
            return false;
        }

        if (utf8Tag.Length > StackTagChars)
        {
            return _tags.Contains(Encoding.UTF8.GetString(utf8Tag));
        }

        Span<char> chars = stackalloc char[StackTagChars];
        int length = Encoding.UTF8.GetChars(utf8Tag, chars);
        return _lookup.Contains(chars[..length]);
    }
}
