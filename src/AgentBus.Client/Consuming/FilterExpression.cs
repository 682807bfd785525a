using Apache.Rocketmq.V2;
using ProtoFilterExpression = Apache.Rocketmq.V2.FilterExpression;

namespace AgentBus.Client.Consuming;

/// <summary>Which messages of a topic a consumer wants: a tag expression (<c>*</c> or <c>a||b</c>) or an SQL92 expression.</summary>
public sealed class FilterExpression
{
    /// <summary>Creates an expression.</summary>
    /// <param name="expression">The expression text.</param>
    /// <param name="type">Tag (default) or SQL92.</param>
    public FilterExpression(string expression, FilterExpressionType type = FilterExpressionType.Tag)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        Expression = expression;
        Type = type;
    }

    /// <summary>Every message.</summary>
    public static FilterExpression All { get; } = new("*");

    /// <summary>The expression text.</summary>
    public string Expression { get; }

    /// <summary>Tag or SQL92.</summary>
    public FilterExpressionType Type { get; }

    internal ProtoFilterExpression ToProtobuf() => new()
    {
        Expression = Expression,
        Type = Type == FilterExpressionType.Sql92 ? FilterType.Sql : FilterType.Tag,
    };

    /// <inheritdoc />
    public override string ToString() => $"{Type}:{Expression}";
}

/// <summary>Kinds of <see cref="FilterExpression"/>.</summary>
public enum FilterExpressionType
{
    /// <summary>Tag expression.</summary>
    Tag,

    /// <summary>SQL92 expression over properties.</summary>
    Sql92,
}
