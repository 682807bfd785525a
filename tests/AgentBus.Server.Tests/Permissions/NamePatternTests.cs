using AgentBus.Server.Auth;

namespace AgentBus.Server.Tests.Permissions;

public sealed class NamePatternTests
{
    [Theory]
    [InlineData("agent|billing", "agent|billing", true)]
    [InlineData("agent|billing", "agent|billing2", false)]
    [InlineData("agent|billing", "Agent|billing", false)]
    [InlineData("agent|*", "agent|", true)]
    [InlineData("agent|*", "agent|team%2Fwriter", true)]
    [InlineData("agent|*", "reply|agent|x", false)]
    [InlineData("*", "anything|at|all", true)]
    [InlineData("session|billing-*", "session|billing-42", true)]
    [InlineData("session|billing-*", "session|research-42", false)]
    [InlineData("*|gw-1", "reply|gw-1", true)]
    [InlineData("*|gw-1", "reply|gw-10", false)]
    [InlineData("a*b*c", "a-x-b-y-c", true)]
    [InlineData("a*b*c", "a-x-c-y-b", false)]
    [InlineData("**a", "a", true)]
    [InlineData("a*a*a", "aaa", true)]
    [InlineData("a*a*a", "aa", false)]
    public void A_star_matches_any_run_of_characters_and_the_rest_matches_itself(string pattern, string name, bool matches)
    {
        Assert.True(NamePattern.IsValid(pattern));
        Assert.Equal(matches, NamePattern.Parse(pattern).Matches(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("agent| billing")]
    public void Empty_patterns_and_spaces_are_invalid(string? pattern) => Assert.False(NamePattern.IsValid(pattern));
}
