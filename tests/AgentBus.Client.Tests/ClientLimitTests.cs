using AgentBus.Client.Errors;
using AgentBus.Client.Tests.Infrastructure;

namespace AgentBus.Client.Tests;

/// <summary>A broker that knows as many clients as it may refuses a new one with a typed, retryable exception.</summary>
public sealed class ClientLimitTests
{
    [Fact]
    public async Task A_new_client_of_a_full_broker_gets_too_many_requests_and_a_known_one_goes_on()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configureServer: o => o.MaxClients = 1);
        broker.CreateLiteParent();
        await using var first = await broker.Provider.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync();

        var error = await Assert.ThrowsAsync<TooManyRequestsException>(() => broker.Provider.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync());

        Assert.Equal(42900, error.Code);
        var receipt = await first.SendAsync(broker.Lite("inbox", "still served"));
        Assert.False(string.IsNullOrEmpty(receipt.MessageId));
    }
}
