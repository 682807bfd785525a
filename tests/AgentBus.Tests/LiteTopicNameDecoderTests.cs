using AgentBus.Addressing;
using CsCheck;

namespace AgentBus.Tests;

public sealed class LiteTopicNameDecoderTests
{
    // The mapping's test ids, and short ones dense in multi-byte UTF-8, surrogate pairs and lone surrogates.
    private static readonly Gen<string> Ids = Gen.OneOf(
        LiteTopicNamesTests.Ids,
        Gen.String[Gen.OneOf(Gen.Char['\uD800', '\uDFFF'], Gen.Char["a/é€😀"]), 1, 30]);

    private static bool IsHashed(string name) => name.Count(c => c == '|') == 2;

    [Theory]
    [InlineData("agent|planner", "planner")]
    [InlineData("agent|team%2Fwriter", "team/writer")]
    [InlineData("agent|a%7Cb", "a|b")]
    [InlineData("agent|50%25", "50%")]
    [InlineData("agent|%C3%A9t%C3%A9", "été")]
    [InlineData("agent|%F0%9F%98%80", "😀")]
    public void Escaped_names_decode_to_their_id(string name, string id)
    {
        Assert.True(LiteTopicNameDecoder.TryDecodeAgent(name, out string decoded, out bool truncated));
        Assert.Equal((id, false), (decoded, truncated));
    }

    [Fact]
    public void A_lone_surrogate_decodes_from_its_unit_escape()
    {
        // Not inline data: a lone surrogate does not survive the test runner's serialisation of attributes.
        Assert.True(LiteTopicNameDecoder.TryDecodeAgent("agent|x%%D800y", out string decoded, out _));
        Assert.Equal("x\uD800y", decoded);
    }

    [Fact]
    public void Every_id_that_is_not_hashed_round_trips() =>
        Ids.Sample(id =>
        {
            string name = LiteTopicNames.ForAgent(id);
            if (IsHashed(name))
            {
                return;
            }

            Assert.True(LiteTopicNameDecoder.TryDecodeAgent(name, out string decoded, out bool truncated), name);
            Assert.False(truncated);
            Assert.Equal(id, decoded);
        }, iter: 20_000);

    [Fact]
    public void A_hashed_name_decodes_to_a_readable_prefix_of_its_id_with_the_flag() =>
        Ids.Sample(id =>
        {
            string name = LiteTopicNames.ForAgent(id);
            if (!IsHashed(name))
            {
                return;
            }

            Assert.True(LiteTopicNameDecoder.TryDecodeAgent(name, out string head, out bool truncated), name);
            Assert.True(truncated);
            Assert.NotEmpty(head);
            Assert.StartsWith(head, id, StringComparison.Ordinal);
            Assert.True(head.Length < id.Length);
        }, iter: 20_000);

    [Fact]
    public void A_long_id_keeps_its_head()
    {
        string id = "research/" + new string('x', 100);

        Assert.True(LiteTopicNameDecoder.TryDecodeAgent(LiteTopicNames.ForAgent(id), out string head, out bool truncated));

        Assert.True(truncated);
        // The head fits 39 characters of the name: "agent|research%2F" and 22 of the x.
        Assert.Equal("research/" + new string('x', 22), head);
    }

    [Fact]
    public void Every_agent_inbox_name_starts_with_the_prefix() =>
        Ids.Sample(id => Assert.StartsWith(LiteTopicNameDecoder.AgentPrefix, LiteTopicNames.ForAgent(id), StringComparison.Ordinal));

    [Theory]
    [InlineData("agent|")]
    [InlineData("reply|planner")]
    [InlineData("session|planner")]
    [InlineData("agents|planner")]
    [InlineData("agent|%41")]                   // 'A' needs no escape
    [InlineData("agent|%c3%a9")]                // lower-case hex
    [InlineData("agent|%C3")]                   // a truncated UTF-8 sequence
    [InlineData("agent|%FF")]                   // not UTF-8
    [InlineData("agent|%%0041")]                // not a surrogate
    [InlineData("agent|%%D83D%%DE00")]          // a pair is escaped as UTF-8, not as two units
    [InlineData("agent|%")]
    [InlineData("agent|%G1")]
    [InlineData("agent|%%D8")]
    [InlineData("agent|planner|0123")]          // a hash has 24 digits
    [InlineData("agent|planner|0123456789abcdef01234567")]
    [InlineData("agent||0123456789ABCDEF01234567")]
    public void A_name_the_mapping_would_not_make_is_not_an_agent_inbox(string name) =>
        Assert.False(LiteTopicNameDecoder.TryDecodeAgent(name, out _, out _));
}
