using AgentBus.Client.Consuming;
using Apache.Rocketmq.V2;
using CsCheck;
using Google.Protobuf;

namespace AgentBus.Client.Tests;

/// <summary>
/// Push consumers decode ack responses themselves, keeping only the statuses; these tests hold that to what
/// Google.Protobuf parses from the same bytes.
/// </summary>
public sealed class AckOutcomeTests
{
    private static readonly Gen<Status?> AnyStatus = Gen.OneOf(
        Gen.Const((Status?)null),
        Gen.Const((Status?)new Status { Code = Code.Ok, Message = "OK" }),
        Gen.Select(Gen.Enum<Code>(), Gen.String[Gen.Char, 0, 20], (code, message) => (Status?)new Status { Code = code, Message = message }));

    private static readonly Gen<AckMessageResponse> AnyResponse =
        Gen.Select(AnyStatus, Gen.Select(Gen.String[Gen.Char, 0, 30], Gen.String[Gen.Char, 0, 60], AnyStatus).Array[0, 8], (status, entries) =>
        {
            var response = new AckMessageResponse { Status = status };
            foreach (var (id, handle, entryStatus) in entries)
            {
                response.Entries.Add(new AckMessageResultEntry { MessageId = id, ReceiptHandle = handle, Status = entryStatus });
            }

            return response;
        });

    [Fact]
    public void Any_response_decodes_to_the_statuses_google_protobuf_reads()
    {
        AnyResponse.Sample(response =>
        {
            var parsed = AckMessageResponse.Parser.ParseFrom(response.ToByteArray());
            var outcome = AckOutcome.Decode(response.ToByteArray());
            var status = parsed.Status ?? new Status();
            Assert.Equal((status.Code, status.Message), (outcome.Status.Code, outcome.Status.Message));
            Assert.Equal(parsed.Entries.Count, outcome.Entries.Count);
            for (int i = 0; i < parsed.Entries.Count; i++)
            {
                var expected = parsed.Entries[i].Status ?? status;
                Assert.Equal((expected.Code, expected.Message), (outcome.Entries[i].Code, outcome.Entries[i].Message));
            }
        }, iter: 2000);
    }

    [Fact]
    public void Unknown_fields_are_skipped_and_a_repeated_status_merges()
    {
        var response = new AckMessageResponse { Status = new Status { Code = Code.Ok, Message = "OK" } };
        response.Entries.Add(new AckMessageResultEntry { MessageId = "m", ReceiptHandle = "r", Status = new Status { Code = Code.InvalidReceiptHandle, Message = "expired" } });
        byte[] wire = response.ToByteArray();
        // A newer protocol's fields (a varint 9 and a string 10), then a second status that only sets the code (40000).
        byte[] extra = [0x48, 0x2A, 0x52, 0x02, (byte)'h', (byte)'i', 0x0A, 0x04, 0x08, 0xC0, 0xB8, 0x02];
        var outcome = AckOutcome.Decode([.. wire, .. extra]);
        var parsed = AckMessageResponse.Parser.ParseFrom([.. wire, .. extra]);

        Assert.Equal(Code.BadRequest, parsed.Status.Code);
        Assert.Equal((parsed.Status.Code, parsed.Status.Message), (outcome.Status.Code, outcome.Status.Message));
        Assert.Equal(Code.InvalidReceiptHandle, Assert.Single(outcome.Entries).Code);
        Assert.Equal("expired", outcome.Entries[0].Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x12 })]
    [InlineData(new byte[] { 0x12, 0x05, 0x1A, 0x09 })]
    [InlineData(new byte[] { 0x0A, 0x02, 0x08 })]
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    public void A_malformed_response_is_invalid_data(byte[] wire) =>
        Assert.Throws<InvalidDataException>(() => AckOutcome.Decode(wire));
}
