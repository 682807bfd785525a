using System.Text;

namespace AgentBus.Server.Http.Dashboard;

/// <summary>
/// Reads the names the agent layer gives its lite topics (<c>agent|ID</c>, <c>session|ID</c>, <c>reply|ID</c>,
/// <c>req|ID</c>, the id percent-escaped, a long one cut to a readable head and a hash after a second <c>|</c>), so
/// the dashboard shows agents and sessions rather than raw names. Display only: a name that does not decode is shown as it is.
/// </summary>
internal static class AgentNames
{
    /// <summary>The prefix of an agent's inbox.</summary>
    public const string AgentPrefix = "agent|";

    /// <summary>The prefix of a session's lite topic.</summary>
    public const string SessionPrefix = "session|";

    /// <summary>The prefix of an instance's reply topic.</summary>
    public const string InstancePrefix = "reply|";

    private const string RequestPrefix = "req|";

    /// <summary>What a lite topic is to the agent layer ("agent", "session", "instance", "request"), or null for another name.</summary>
    public static string? KindOf(string liteTopic) =>
        liteTopic.StartsWith(AgentPrefix, StringComparison.Ordinal) ? "agent"
        : liteTopic.StartsWith(SessionPrefix, StringComparison.Ordinal) ? "session"
        : liteTopic.StartsWith(InstancePrefix, StringComparison.Ordinal) ? "instance"
        : liteTopic.StartsWith(RequestPrefix, StringComparison.Ordinal) ? "request"
        : null;

    /// <summary>
    /// The id in an agent-layer name, unescaped; a hashed name gives its readable head followed by "…". Null for a
    /// name of another scheme.
    /// </summary>
    public static string? IdOf(string liteTopic)
    {
        int bar = liteTopic.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0 || KindOf(liteTopic) is null)
        {
            return null;
        }

        string escaped = liteTopic[(bar + 1)..];
        int hash = escaped.IndexOf('|', StringComparison.Ordinal);
        bool truncated = hash >= 0;
        if (truncated)
        {
            escaped = escaped[..hash];
        }

        string id = Unescape(escaped) ?? escaped;
        return truncated ? id + "…" : id;
    }

    /// <summary>Percent-decodes UTF-8 (<c>%2F</c>); null when the escape is not well formed.</summary>
    private static string? Unescape(string escaped)
    {
        if (!escaped.Contains('%', StringComparison.Ordinal))
        {
            return escaped;
        }

        var bytes = new List<byte>(escaped.Length);
        for (int i = 0; i < escaped.Length; i++)
        {
            char c = escaped[i];
            if (c != '%')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }

            if (i + 2 >= escaped.Length || !byte.TryParse(escaped.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier,
                System.Globalization.CultureInfo.InvariantCulture, out byte value))
            {
                // A lone surrogate (%%XXXX) or a cut name: not worth decoding for display.
                return null;
            }

            bytes.Add(value);
            i += 2;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
