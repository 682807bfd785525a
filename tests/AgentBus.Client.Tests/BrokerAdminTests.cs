using AgentBus.Client.Admin;
using AgentBus.Client.Configuration;
using AgentBus.Client.Errors;
using AgentBus.Client.Tests.Infrastructure;
using AgentBus.Protocol.Admin;
using static AgentBus.TestUtilities.Signatures;

namespace AgentBus.Client.Tests;

/// <summary>BrokerAdmin: the admin API over the client's transport, its connection settings and its typed exceptions.</summary>
public sealed class BrokerAdminTests
{
    private static async Task<List<LiteTopic>> ListAsync(BrokerAdmin admin, ListLiteTopicsRequest query)
    {
        var listed = new List<LiteTopic>();
        await foreach (var liteTopic in admin.ListLiteTopicsAsync(query))
        {
            listed.Add(liteTopic);
        }

        return listed;
    }

    [Fact]
    public async Task Pages_are_followed_to_the_end_over_tls_with_signed_credentials()
    {
        using var certificate = TestCertificates.SelfSigned();
        await using var broker = await TestBroker.StartForClientsAsync(configureServer: WithAuth, certificate: certificate,
            credentials: new SessionCredentials(AccessKey, SecretKey));
        broker.CreateLiteParent();
        await using var producer = await broker.Provider.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync();
        for (int i = 0; i < 7; i++)
        {
            await producer.SendAsync(broker.Lite($"t{i}", "hello"));
        }

        using var admin = new BrokerAdmin(broker.Provider.Configuration);
        var listed = await ListAsync(admin, new ListLiteTopicsRequest { ParentTopic = Scenario.Parent, PageSize = 3 });

        Assert.Equal(["t0", "t1", "t2", "t3", "t4", "t5", "t6"], listed.Select(t => t.Name));
        Assert.All(listed, t => Assert.Equal(1, t.MaxOffset));
    }

    [Fact]
    public async Task Unsigned_calls_to_an_authenticating_broker_raise_UnauthorizedException()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configureServer: WithAuth);
        broker.CreateLiteParent();
        using var admin = new BrokerAdmin(broker.ClientConfiguration(credentials: null));

        var error = await Assert.ThrowsAsync<UnauthorizedException>(() => ListAsync(admin, new ListLiteTopicsRequest { ParentTopic = Scenario.Parent }));

        Assert.Contains("authorization header is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_are_the_clients_typed_exceptions()
    {
        await using var broker = await TestBroker.StartForClientsAsync();
        broker.CreateLiteParent();
        using var admin = new BrokerAdmin(broker.Provider.Configuration);

        var badPage = await Assert.ThrowsAsync<BadRequestException>(() =>
            ListAsync(admin, new ListLiteTopicsRequest { ParentTopic = Scenario.Parent, PageSize = 5000 }));
        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => ListAsync(admin, new ListLiteTopicsRequest { ParentTopic = "nothing-here" }));

        Assert.Contains("page_size 5000", badPage.Message, StringComparison.Ordinal);
        Assert.Contains("'nothing-here' does not exist", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_without_the_admin_api_raises_UnsupportedException()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configureServer: server => server.EnableAdminService = false);
        broker.CreateLiteParent();
        using var admin = new BrokerAdmin(broker.Provider.Configuration);

        var error = await Assert.ThrowsAsync<UnsupportedException>(() => ListAsync(admin, new ListLiteTopicsRequest { ParentTopic = Scenario.Parent }));

        Assert.Contains("does not serve the AgentBus admin API", error.Message, StringComparison.Ordinal);
    }
}
