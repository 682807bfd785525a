using System.Text;

namespace AgentBus.Samples.Tests.Infrastructure;

/// <summary>The tests' SSE reader follows the event-stream rules, so what it reads off a gateway can be trusted.</summary>
public sealed class SseReaderTests
{
    [Fact]
    public async Task It_reads_events_as_the_standard_says()
    {
        const string stream =
            ": a comment\r\n" +
            "data: one\r\nid: 1\r\n\r\n" +             // CRLF
            "event: end\ndata:two\ndata:  lines\n\n" +  // one leading space dropped, the second kept; data lines joined with LF
            "id: 2\rdata: three\r\r" +                  // CR alone
            "id\n\n" +                                   // an empty id, and no data: nothing dispatched
            "unknown: x\ndata\n\n" +                     // a field with no colon: data is empty
            "data: never ended";                         // no blank line at the end: discarded
        var reader = new SseReader(new MemoryStream(Encoding.UTF8.GetBytes(stream)));

        var events = await reader.ReadToEndAsync(CancellationToken.None);

        Assert.Equal(
            [new SseEvent("message", "one", "1"), new SseEvent("end", "two\n lines", null), new SseEvent("message", "three", "2"), new SseEvent("message", "", null)],
            events);
        Assert.Equal("", reader.LastEventId);
    }
}
