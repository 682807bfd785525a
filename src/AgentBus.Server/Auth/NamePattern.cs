namespace AgentBus.Server.Auth;

/// <summary>
/// A pattern of topic, lite topic or consumer group names in a permission: <c>*</c> matches any run of characters
/// (none included), every other character itself, case-sensitively, over the whole name. Resource names never
/// contain <c>*</c>, so the pattern needs no escape.
/// </summary>
internal sealed class NamePattern
{
    /// <summary>The syntax, for error messages.</summary>
    public const string Syntax = "1 to 1024 characters without spaces, '*' matching any run of characters";

    private const int MaxLength = 1024;

    private readonly string _pattern;
    private readonly bool _literal;

    private NamePattern(string pattern)
    {
        _pattern = pattern;
        _literal = !pattern.Contains('*', StringComparison.Ordinal);
    }

    /// <summary>A pattern matching every name.</summary>
    public static NamePattern Any { get; } = new("*");

    /// <summary>Whether <paramref name="pattern"/> is a valid pattern.</summary>
    public static bool IsValid(string? pattern) =>
        !string.IsNullOrEmpty(pattern) && pattern.Length <= MaxLength && !pattern.AsSpan().ContainsAny(" \t\r\n");

    /// <summary>Compiles a pattern already checked with <see cref="IsValid"/>.</summary>
    public static NamePattern Parse(string pattern) => pattern == "*" ? Any : new NamePattern(pattern);

    /// <summary>Whether the pattern matches all of <paramref name="name"/>.</summary>
    public bool Matches(ReadOnlySpan<char> name)
    {
        if (_literal)
        {
            return name.SequenceEqual(_pattern);
        }

        // The classic wildcard walk: on a mismatch, let the last '*' swallow one more character. Linear in practice,
        // at worst pattern length × name length, and both are bounded.
        var pattern = _pattern.AsSpan();
        int p = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = n;
            }
            else if (p < pattern.Length && pattern[p] == name[n])
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <inheritdoc />
    public override string ToString() => _pattern;
}
