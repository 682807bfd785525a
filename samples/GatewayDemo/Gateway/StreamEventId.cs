using System.Globalization;

namespace GatewayDemo.Gateway;

/// <summary>
/// The SSE event id of a streamed chunk, <c>{requestId}:{sequence}</c>: all a client needs to resume, on any
/// gateway instance, by sending it back as <c>Last-Event-ID</c>. The <c>end</c> event has the id
/// <c>{requestId}:end</c>: a client reconnecting with it gets 204 No Content, which tells a browser's EventSource to
/// stop reconnecting.
/// </summary>
public static class StreamEventId
{
    private const string EndMarker = "end";

    /// <summary>Formats the id of chunk <paramref name="sequence"/> of request <paramref name="requestId"/>.</summary>
    /// <param name="requestId">The bus request id.</param>
    /// <param name="sequence">The chunk's sequence (0 for the first).</param>
    /// <returns>The event id.</returns>
    public static string Format(string requestId, long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{requestId}:{sequence}");

    /// <summary>Formats the id of the end event of request <paramref name="requestId"/>.</summary>
    /// <param name="requestId">The bus request id.</param>
    /// <returns>The event id.</returns>
    public static string FormatEnd(string requestId) => requestId + ":" + EndMarker;

    /// <summary>Reads an event id; the request id may itself contain <c>:</c> (the sequence follows the last one).</summary>
    /// <param name="eventId">The id, e.g. a <c>Last-Event-ID</c> header.</param>
    /// <param name="requestId">The request id.</param>
    /// <param name="sequence">The sequence of the last chunk the client saw (−1: none yet).</param>
    /// <param name="ended">Whether the id is the end event's (then <paramref name="sequence"/> is 0).</param>
    /// <returns>Whether the id is well formed.</returns>
    public static bool TryParse(string? eventId, out string requestId, out long sequence, out bool ended)
    {
        requestId = "";
        sequence = 0;
        ended = false;
        int colon = eventId?.LastIndexOf(':') ?? -1;
        if (colon <= 0)
        {
            return false;
        }

        if (eventId.AsSpan(colon + 1).SequenceEqual(EndMarker))
        {
            requestId = eventId![..colon];
            ended = true;
            return true;
        }

        if (!long.TryParse(eventId.AsSpan(colon + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out sequence)
            || sequence < -1)
        {
            return false;
        }

        requestId = eventId![..colon];
        return true;
    }
}
