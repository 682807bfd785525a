using AgentBus.Envelopes;
using CsCheck;

namespace AgentBus.Tests;

public sealed class EnvelopeCodecTests
{
    [Fact]
    public void A_request_is_written_as_docs_agents_md_shows_it()
    {
        var request = new OutgoingMessage(MessageKind.Request, "0192f0c4a1b27c3e8d4f5a6b7c8d9e0f")
        {
            RequestId = "0192f0c4a1b27c3e8d4f5a6b7c8d9e10",
            ReplyTo = "reply|gw-1",
            Deadline = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000),
            From = "gateway",
            To = "svc",
        };

        Assert.Equal("k=req;id=0192f0c4a1b27c3e8d4f5a6b7c8d9e0f;rq=0192f0c4a1b27c3e8d4f5a6b7c8d9e10;rt=reply|gw-1;dl=1767225600000;f=gateway;t=svc",
            EnvelopeCodec.Write(request, EnvelopeCodec.Json));
        Assert.EndsWith(";t=svc;ct=application/octet-stream", EnvelopeCodec.Write(request, EnvelopeCodec.OctetStream), StringComparison.Ordinal);
    }

    [Fact]
    public void Any_envelope_reads_back_to_the_fields_written_whatever_its_ids_hold()
    {
        // Ids are arbitrary strings: separators, escapes, control characters and non-ASCII included.
        var text = Gen.String[Gen.Char[(char)0, (char)0x7F], 0, 12].Select(s => s.Length == 0 ? null : s);
        var any = Gen.Select(Gen.Int[0, 6], Gen.Char.AlphaNumeric.Array[1, 32].Select(c => new string(c)), text, text, text, text, Gen.String)
            .Select(Gen.Long[0, long.MaxValue], Gen.Int[1, 64], Gen.Int[1, int.MaxValue], (t, seq, chunks, attempt) => (t, seq, chunks, attempt));
        any.Sample(x =>
        {
            var ((kind, id, request, replyTo, from, to, error), seq, chunks, attempt) = x;
            var message = new OutgoingMessage((MessageKind)kind, id)
            {
                RequestId = request, ReplyTo = replyTo, From = from, To = to, ErrorType = error.Length == 0 ? null : error,
                Sequence = seq, ChunkCount = chunks, Attempt = attempt, IdempotencyKey = to,
                Deadline = DateTimeOffset.FromUnixTimeMilliseconds(seq % 253_402_300_799_999),
            };

            string written = EnvelopeCodec.Write(message, "text/plain; charset=utf-8");

            Assert.True(EnvelopeCodec.TryRead(written, out var read, out string problem), problem + ": " + written);
            Assert.Equal((MessageKind)kind, read.Kind);
            Assert.Equal(id, read.MessageId);
            Assert.Equal(request, read.RequestId);
            Assert.Equal(replyTo, read.ReplyTo);
            Assert.Equal(from, read.From);
            Assert.Equal(to, read.To);
            Assert.Equal(to, read.IdempotencyKey);
            Assert.Equal(message.ErrorType, read.ErrorType);
            Assert.Equal(seq, read.Sequence);
            Assert.Equal(chunks > 1 ? chunks : 0, read.ChunkCount);
            Assert.Equal(attempt > 1 ? attempt : 0, read.Attempt);
            Assert.Equal(seq % 253_402_300_799_999, read.DeadlineMs);
            Assert.Equal("text/plain; charset=utf-8", read.ContentType);
        });
    }

    [Fact]
    public void Sender_addressee_and_reply_topic_are_shared_between_messages_and_ids_are_not()
    {
        Assert.True(EnvelopeCodec.TryRead("k=req;id=m1;rq=r1;rt=reply|gw-1;f=gateway;t=svc", out var first, out _));
        Assert.True(EnvelopeCodec.TryRead("k=req;id=m2;rq=r2;rt=reply|gw-1;f=gateway;t=svc", out var second, out _));
        Assert.Same(first.ReplyTo, second.ReplyTo);
        Assert.Same(first.From, second.From);
        Assert.Same(first.To, second.To);
        Assert.Equal(("m2", "r2"), (second.MessageId, second.RequestId));

        Assert.True(EnvelopeCodec.TryRead("k=req;id=m3;rq=r3;rt=reply|gw-1;f=a%3Bb;t=" + new string('x', 200), out var escaped, out _));
        Assert.Equal(("a;b", new string('x', 200)), (escaped.From, escaped.To));
    }

    [Fact]
    public void A_field_a_later_version_adds_is_skipped()
    {
        Assert.True(EnvelopeCodec.TryRead("k=reply;zz=anything;id=m1;rq=r1;x=", out var read, out _));
        Assert.Equal(MessageKind.Reply, read.Kind);
        Assert.Equal("r1", read.RequestId);
        Assert.Null(read.ContentType); // JSON
    }

    [Theory]
    [InlineData("k=req;id=a;id=b", "field 'id' appears twice")]
    [InlineData("k=req;id", "is not key=value")]
    [InlineData("k=req;=x", "is not key=value")]
    [InlineData("k=req;f=a%3", "malformed %-escape")]
    [InlineData("k=req;f=a%G1", "malformed %-escape")]
    [InlineData("k=req;f=a%C3%A9", "malformed %-escape")] // escapes are for ASCII only; é travels as it is
    [InlineData("k=request", "not a known kind")]
    [InlineData("k=chunk;n=-1", "field 'n' is not a number")]
    [InlineData("k=chunk;c=65", "field 'c' is not a chunk count")]
    [InlineData("k=chunk;c=0", "field 'c' is not a chunk count")]
    [InlineData("k=req;a=0", "field 'a' is not a positive number")]
    [InlineData("k=req;dl=253402300800000", "field 'dl' is not a number")]
    public void A_malformed_envelope_is_refused_with_what_is_wrong(string text, string problem)
    {
        Assert.False(EnvelopeCodec.TryRead(text, out _, out string said));
        Assert.Contains(problem, said, StringComparison.Ordinal);
    }
}
