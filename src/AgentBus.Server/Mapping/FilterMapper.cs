using AgentBus.Broker.Consumption;
using AgentBus.Server.Errors;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Mapping;

/// <summary>Maps a request's filter expression to the engine's <see cref="TagFilter"/>. SQL92 filters are not supported.</summary>
internal static class FilterMapper
{
    /// <summary>Reads a request's filter expression; a missing or empty one accepts everything.</summary>
    /// <param name="expression">The filter expression, possibly absent.</param>
    /// <returns>The filter.</returns>
    /// <exception cref="RequestException">The expression is SQL92 or has an unknown type.</exception>
    public static TagFilter ToTagFilter(FilterExpression? expression)
    {
        if (expression is null)
        {
            return TagFilter.All;
        }

        if (expression.Type == FilterType.Sql)
        {
            throw new RequestException(Code.Unsupported, "SQL92 filter expressions are not supported; filter by tag.");
        }

        if (expression.Type is not (FilterType.Tag or FilterType.Unspecified))
        {
            throw new RequestException(Code.IllegalFilterExpression, $"Unknown filter type {expression.Type}.");
        }

        return TagFilter.Parse(expression.Expression);
    }
}
