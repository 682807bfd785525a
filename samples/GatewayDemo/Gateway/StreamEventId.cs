using System.Globalization;

namespace GatewayDemo.Gateway;

/// <summary>
/// The SSE event id of a streamed chunk, <c>{requestId}:{sequence}@{instance}</c>: the request and the last chunk a
/// client saw — all it needs to resume, on any gateway instance, by sending the id back as <c>Last-Event-ID</c> —
/// and the instance that relayed it, which the resuming instance asks to let go of the stream first. The
/// <c>end</c> event has the id <c>{requestId}:end</c>: a client reconnecting with it gets 204 No Content, which
/// tells a browser's EventSource to stop reconnecting.
/// </summary>
public static class StreamEventId
{
    private const string EndMarker = "end";

    /// <summary>Formats the id of chunk <paramref name="sequence"/> of request <paramref name="requestId"/> relayed by <paramref name="instance"/>.</summary>
    /// <param name="requestId">The bus request id (without <c>:</c>).</param>
    /// <param name="sequence">The chunk's sequence (0 for the first).</param>
    /// <param name="instance">The relaying gateway's instance id.</param>
    /// <returns>The event id.</returns>
    public static string Format(string requestId, long sequence, string instance) =>
        string.Create(CultureInfo.InvariantCulture, $"{requestId}:{sequence}@{instance}");

    /// <summary>Formats the id of the end event of request <paramref name="requestId"/>.</summary>
    /// <param name="requestId">The bus request id.</param>
    /// <returns>The event id.</returns>
    public static string FormatEnd(string requestId) => requestId + ":" + EndMarker;

    /// <summary>Reads an event id (the <c>@{instance}</c> part is optional).</summary>
    /// <param name="eventId">The id, e.g. a <c>Last-Event-ID</c> header.</param>
    /// <param name="position">Where the client is in which stream.</param>
    /// <returns>Whether the id is well formed.</returns>
    public static bool TryParse(string? eventId, out StreamPosition position)
    {
        position = default;
        int colon = eventId?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0)
        {
            return false;
        }

        string requestId = eventId![..colon];
        var rest = eventId.AsSpan(colon + 1);
        if (rest.SequenceEqual(EndMarker))
        {
            position = new StreamPosition(requestId, -1, Holder: null, Ended: true);
            return true;
        }

        int at = rest.IndexOf('@');
        var sequenceText = at < 0 ? rest : rest[..at];
        string? holder = at < 0 ? null : rest[(at + 1)..].ToString();
        if (!long.TryParse(sequenceText, NumberStyles.None, CultureInfo.InvariantCulture, out long sequence) || holder is "")
        {
            return false;
        }

        position = new StreamPosition(requestId, sequence, holder, Ended: false);
        return true;
    }
}

/// <summary>A client's place in a relayed stream, read from its <c>Last-Event-ID</c>.</summary>
/// <param name="RequestId">The bus request id of the stream.</param>
/// <param name="Sequence">The last chunk the client saw.</param>
/// <param name="Holder">The gateway instance that relayed that chunk, if the id names it.</param>
/// <param name="Ended">Whether the client saw the end event.</param>
public readonly record struct StreamPosition(string RequestId, long Sequence, string? Holder, bool Ended);
