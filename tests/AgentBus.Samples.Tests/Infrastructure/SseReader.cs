using System.Text;

namespace AgentBus.Samples.Tests.Infrastructure;

/// <summary>
/// Reads server-sent events from a response body as the WHATWG HTML standard's "event stream interpretation" says:
/// lines end in CRLF, LF or CR; <c>field: value</c> (one leading space dropped); <c>data</c> lines joined with LF;
/// comments (<c>:</c>) and unknown fields ignored; a blank line dispatches an event that has data. Written
/// independently of the server's formatter, so a formatting mistake there shows up here.
/// </summary>
internal sealed class SseReader(Stream body)
{
    private readonly StreamReader _reader = new(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), detectEncodingFromByteOrderMarks: false);
    private int _pending = -1;

    /// <summary>The id of the last event that set one, as a browser keeps it for <c>Last-Event-ID</c>.</summary>
    public string? LastEventId { get; private set; }

    /// <summary>The next event, or null when the stream ended.</summary>
    public async Task<SseEvent?> NextAsync(CancellationToken ct)
    {
        string type = "";
        var data = new StringBuilder();
        bool hasData = false;
        string? id = null;
        while (await ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    return new SseEvent(type.Length == 0 ? "message" : type, data.ToString(), id);
                }

                type = "";
                id = null;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string field = colon < 0 ? line : line[..colon];
            string value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "data":
                    if (hasData)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    hasData = true;
                    break;
                case "event":
                    type = value;
                    break;
                case "id" when !value.Contains('\0', StringComparison.Ordinal):
                    id = value;
                    LastEventId = value;
                    break;
            }
        }

        return null; // an event not ended by a blank line is discarded, as a browser does
    }

    /// <summary>Reads every event left, to the end of the stream.</summary>
    public async Task<List<SseEvent>> ReadToEndAsync(CancellationToken ct)
    {
        var events = new List<SseEvent>();
        while (await NextAsync(ct) is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        var line = new StringBuilder();
        var one = new char[1];
        while (true)
        {
            int c;
            if (_pending >= 0)
            {
                c = _pending;
                _pending = -1;
            }
            else
            {
                int read = await _reader.ReadAsync(one.AsMemory(), ct);
                c = read == 0 ? -1 : one[0];
            }

            switch (c)
            {
                case -1:
                    return line.Length == 0 ? null : line.ToString();
                case '\n':
                    return line.ToString();
                case '\r':
                    int after = await _reader.ReadAsync(one.AsMemory(), ct) == 0 ? -1 : one[0];
                    if (after != '\n')
                    {
                        _pending = after;
                    }

                    return line.ToString();
                default:
                    line.Append((char)c);
                    break;
            }
        }
    }
}
