using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace AgentBus;

/// <summary>
/// Maps agent, session, instance and request ids (arbitrary strings) to lite topic names: deterministic, free of
/// collisions, within <see cref="MaxLength"/> characters of the broker's alphabet (<c>[a-zA-Z0-9%|_-]</c>).
/// </summary>
/// <remarks>
/// A name is a kind prefix, <c>|</c>, then the id with every character outside <c>[a-zA-Z0-9_-]</c> percent-escaped
/// as the upper-case hex of its UTF-8 bytes: <c>planner</c> → <c>agent|planner</c>, <c>team/writer</c> →
/// <c>agent|team%2Fwriter</c> (a lone UTF-16 surrogate, which has no UTF-8 form, becomes <c>%%</c> and four hex
/// digits). Escaping is injective and never produces <c>|</c>, so such a name holds exactly one <c>|</c>. When the
/// escaped form would exceed <see cref="MaxLength"/>, the name keeps a readable head of it and ends in <c>|</c> plus
/// 24 hex digits (96 bits) of the id's XXH128: two <c>|</c> mark such a name, so it never equals an escaped one, and
/// two long ids share a name only if their hashes collide.
/// </remarks>
public static class LiteTopicNames
{
    /// <summary>Longest lite topic name (RocketMQ's default <c>max_lite_topic_size</c>).</summary>
    public const int MaxLength = 64;

    private const int HashDigits = 24;

    /// <summary>The inbox of an agent id, shared by its replicas.</summary>
    /// <param name="agentId">The agent id.</param>
    /// <returns>The lite topic name.</returns>
    public static string ForAgent(string agentId) => Map("agent", agentId);

    /// <summary>The lite topic of a session: what arrives to the session's owner.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <returns>The lite topic name.</returns>
    public static string ForSession(string sessionId) => Map("session", sessionId);

    /// <summary>The reply topic of one process instance (replies to requests made outside a session).</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <returns>The lite topic name.</returns>
    public static string ForInstance(string instanceId) => Map("reply", instanceId);

    /// <summary>The lite topic of one request: its streamed reply, or a reply kept for a caller to re-attach.</summary>
    /// <param name="requestId">The request id.</param>
    /// <returns>The lite topic name.</returns>
    public static string ForRequest(string requestId) => Map("req", requestId);

    private static string Map(string kind, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var name = new StringBuilder(kind.Length + 1 + id.Length);
        name.Append(kind).Append('|');
        const int headBudget = MaxLength - 1 - HashDigits;
        int headEnd = -1;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < id.Length; i++)
        {
            char c = id[i];
            int start = name.Length;
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            {
                name.Append(c);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                AppendUtf8(name, new Rune(c, id[++i]), utf8);
            }
            else if (char.IsSurrogate(c))
            {
                name.Append("%%").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                AppendUtf8(name, new Rune(c), utf8);
            }

            if (headEnd < 0 && name.Length > headBudget)
            {
                // A hashed name's readable head ends before the first character that does not fit whole.
                headEnd = start;
            }
        }

        return name.Length <= MaxLength ? name.ToString() : string.Concat(name.ToString(0, headEnd), "|", Hash(id));
    }

    private static void AppendUtf8(StringBuilder name, Rune rune, Span<byte> utf8)
    {
        int written = rune.EncodeToUtf8(utf8);
        for (int b = 0; b < written; b++)
        {
            name.Append('%').Append(utf8[b].ToString("X2", CultureInfo.InvariantCulture));
        }
    }

    // Over the UTF-16 units, so every distinct string (lone surrogates included) hashes on its own.
    private static string Hash(string id) =>
        XxHash128.HashToUInt128(MemoryMarshal.AsBytes(id.AsSpan())).ToString("X32", CultureInfo.InvariantCulture)[..HashDigits];
}
