using CsCheck;

namespace AgentBus.Tests;

public sealed class LiteTopicNamesTests
{
    /// <summary>Readable ids, ids with escapes, ids of any characters; long ones hash.</summary>
    internal static readonly Gen<string> Ids = Gen.OneOf(
        Gen.String[Gen.Char.AlphaNumeric, 1, 80],
        Gen.String[Gen.Char["abc-_/.:%| @"], 1, 70],
        Gen.String[Gen.Char, 1, 100]);

    [Theory]
    [InlineData("planner", "agent|planner")]
    [InlineData("team/writer", "agent|team%2Fwriter")]
    [InlineData("a|b", "agent|a%7Cb")]
    [InlineData("50%", "agent|50%25")]
    [InlineData("é", "agent|%C3%A9")]
    public void Names_are_readable_escapes_of_the_id(string id, string expected) => Assert.Equal(expected, LiteTopicNames.ForAgent(id));

    [Fact]
    public void Every_name_is_valid_for_the_broker() =>
        Ids.Sample(id =>
        {
            foreach (string name in new[] { LiteTopicNames.ForAgent(id), LiteTopicNames.ForSession(id), LiteTopicNames.ForInstance(id), LiteTopicNames.ForRequest(id) })
            {
                Assert.InRange(name.Length, 1, LiteTopicNames.MaxLength);
                Assert.All(name, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '%' or '|' or '_' or '-', $"'{c}' in {name}"));
            }
        }, iter: 20_000);

    [Fact]
    public void Distinct_ids_get_distinct_names_within_and_across_kinds() =>
        Gen.Select(Ids, Ids).Sample((a, b) =>
        {
            if (a == b)
            {
                return;
            }

            Assert.NotEqual(LiteTopicNames.ForAgent(a), LiteTopicNames.ForAgent(b));
            Assert.NotEqual(LiteTopicNames.ForSession(a), LiteTopicNames.ForSession(b));
            Assert.NotEqual(LiteTopicNames.ForAgent(a), LiteTopicNames.ForSession(b));
            Assert.NotEqual(LiteTopicNames.ForInstance(a), LiteTopicNames.ForRequest(b));
        }, iter: 20_000);

    [Fact]
    public void Ids_that_share_a_long_prefix_stay_apart_and_keep_a_readable_head()
    {
        string head = new('x', 100);
        string a = LiteTopicNames.ForSession(head + "-1");
        string b = LiteTopicNames.ForSession(head + "-2");

        Assert.NotEqual(a, b);
        Assert.Equal(LiteTopicNames.MaxLength, a.Length);
        Assert.StartsWith("session|xxxxxxxx", a, StringComparison.Ordinal);
        Assert.Equal(2, a.Count(c => c == '|'));
    }

    [Fact]
    public void An_escaped_name_has_one_separator_and_a_hashed_one_two() =>
        Ids.Sample(id =>
        {
            string name = LiteTopicNames.ForAgent(id);
            int separators = name.Count(c => c == '|');
            Assert.True(separators is 1 or 2, name);
        });

    [Fact]
    public void The_mapping_is_deterministic() =>
        Ids.Sample(id => Assert.Equal(LiteTopicNames.ForAgent(id), LiteTopicNames.ForAgent(new string(id.AsSpan()))));

    [Fact]
    public void An_empty_id_is_refused() => Assert.Throws<ArgumentException>(() => LiteTopicNames.ForAgent(""));
}
