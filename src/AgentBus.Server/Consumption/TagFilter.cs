using AgentBus.Server.Errors;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Consumption;

/// <summary>
/// A consumer's tag filter (<c>*</c>, or tags joined by <c>||</c>). The engine delivers every message of a queue, so
/// the server applies the filter: a message the filter rejects counts as consumed by that group, as in RocketMQ.
/// SQL92 filters are not supported.
/// </summary>
internal sealed class TagFilter
{
    private readonly HashSet<string>? _tags;

    private TagFilter(HashSet<string>? tags) => _tags = tags;

    /// <summary>A filter that accepts every message.</summary>
    public static TagFilter All { get; } = new(null);

    /// <summary>Whether the filter accepts every message.</summary>
    public bool AcceptsAll => _tags is null;

    /// <summary>Reads a request's filter expression; a missing or empty one accepts everything.</summary>
    /// <param name="expression">The filter expression, possibly absent.</param>
    /// <returns>The filter.</returns>
    /// <exception cref="RequestException">The expression is SQL92 or has an unknown type.</exception>
    public static TagFilter Parse(FilterExpression? expression)
    {
        if (expression is null)
        {
            return All;
        }

        if (expression.Type == FilterType.Sql)
        {
            throw new RequestException(Code.Unsupported, "SQL92 filter expressions are not supported; filter by tag.");
        }

        if (expression.Type is not (FilterType.Tag or FilterType.Unspecified))
        {
            throw new RequestException(Code.IllegalFilterExpression, $"Unknown filter type {expression.Type}.");
        }

        string text = expression.Expression.Trim();
        if (text.Length == 0 || text == "*")
        {
            return All;
        }

        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (string part in text.Split("||", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part == "*")
            {
                return All;
            }

            tags.Add(part);
        }

        return tags.Count == 0 ? All : new TagFilter(tags);
    }

    /// <summary>Whether a message with <paramref name="tag"/> passes the filter.</summary>
    /// <param name="tag">The message's tag, or null.</param>
    /// <returns>True when the consumer wants the message.</returns>
    public bool Accepts(string? tag) => _tags is null || (tag is not null && _tags.Contains(tag));
}
