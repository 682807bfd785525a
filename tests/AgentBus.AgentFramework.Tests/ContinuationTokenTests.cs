using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests;

public sealed class ContinuationTokenTests
{
    [Theory]
    [InlineData("conv-42", "req-1", 0L)]
    [InlineData(null, "r", 17L)]
    [InlineData("sé/ssion \"quoted\"", "req/with|odd chars", long.MaxValue)]
    public void A_token_round_trips_through_its_bytes_and_through_json(string? session, string request, long sequence)
    {
        var token = new BusContinuationToken(session, request, sequence);

        var fromBytes = BusContinuationToken.From(ResponseContinuationToken.FromBytes(token.ToBytes()));
        var json = System.Text.Json.JsonSerializer.Serialize(new AgentRunOptions { ContinuationToken = token }, AgentAbstractionsJsonUtilities.DefaultOptions);
        var options = System.Text.Json.JsonSerializer.Deserialize<AgentRunOptions>(json, AgentAbstractionsJsonUtilities.DefaultOptions)!;
        var fromJson = BusContinuationToken.From(options.ContinuationToken!);

        foreach (var back in new[] { fromBytes, fromJson })
        {
            Assert.Equal((session, request, sequence), (back.SessionId, back.RequestId, back.Sequence));
        }
    }

    [Fact]
    public void A_token_that_is_not_a_bus_token_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => BusContinuationToken.From(ResponseContinuationToken.FromBytes("""{"request":""}"""u8.ToArray())));

        Assert.Contains("not issued by a bus agent", error.Message);
        Assert.Throws<ArgumentException>(() => new BusContinuationToken("s", "", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BusContinuationToken("s", "r", -2));
    }

    [Fact]
    public void A_saved_state_has_a_session_of_its_own_per_session_and_agent()
    {
        var key = new AgentSessionStoreKey("conv-42").WithPartition("agent", "writer").WithPartition("tenant", "acme");

        Assert.Equal("conv-42/state/agent=writer/tenant=acme", BusAgentSessionStore.StateSessionId(key));
        Assert.Equal("conv-42/state", BusAgentSessionStore.StateSessionId(new AgentSessionStoreKey("conv-42")));
    }
}
