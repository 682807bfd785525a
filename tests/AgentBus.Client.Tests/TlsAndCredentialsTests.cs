using AgentBus.Client.Configuration;
using AgentBus.Client.Errors;
using AgentBus.Client.Tests.Infrastructure;
using static AgentBus.TestUtilities.Signatures;

namespace AgentBus.Client.Tests;

/// <summary>The client against a broker serving TLS (a self-signed certificate the client is told to trust) and requiring signed credentials.</summary>
public sealed class TlsAndCredentialsTests
{
    [Fact]
    public async Task A_producer_and_a_lite_push_consumer_work_over_tls_with_signed_credentials()
    {
        using var certificate = TestCertificates.SelfSigned();
        await using var broker = await StartSecuredAsync(certificate);
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("workers", collector.Listener);
        await consumer.SubscribeLiteAsync("session-1");
        await using var producer = await broker.Provider.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync();

        for (int i = 0; i < 5; i++)
        {
            await producer.SendAsync(broker.Lite("session-1", $"m{i}"));
        }

        await collector.WaitForCountAsync(5);
        Assert.True(broker.Broker.IsTls);
        Assert.True(broker.Broker.IsAuthenticated);
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], collector.Messages.Select(m => m.Text()));
        await Eventually.TrueAsync(() => broker.Engine.LiteOffsets(Scenario.Parent, "session-1", "workers")?.Committed == 5, what: "acks committed");
    }

    [Fact]
    public async Task A_wrong_secret_fails_the_producer_with_UnauthorizedException()
    {
        using var certificate = TestCertificates.SelfSigned();
        await using var broker = await StartSecuredAsync(certificate);
        var provider = broker.ProviderWith(_ => broker.ClientConfiguration(new SessionCredentials(AccessKey, "not-the-secret")));

        var error = await Assert.ThrowsAsync<UnauthorizedException>(() => provider.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync());

        Assert.Equal(40100, error.Code);
    }

    [Fact]
    public async Task A_client_without_topics_learns_it_is_unauthorized_from_the_telemetry_stream()
    {
        await using var broker = await TestBroker.StartForClientsAsync(configureServer: WithAuth);
        var provider = broker.ProviderWith(_ => broker.ClientConfiguration(credentials: null));

        // No topics: the first call is the Telemetry stream, which the broker answers with UNAUTHORIZED and ends.
        var error = await Assert.ThrowsAsync<UnauthorizedException>(() => provider.NewProducerBuilder().BuildAsync());

        Assert.Equal(40100, error.Code);
    }

    [Fact]
    public async Task Without_a_validation_callback_a_self_signed_broker_is_not_trusted()
    {
        using var certificate = TestCertificates.SelfSigned();
        await using var broker = await TestBroker.StartForClientsAsync(certificate: certificate);
        broker.CreateLiteParent();
        var provider = broker.ProviderWith(endpoints => new ClientConfiguration
        {
            Endpoints = endpoints,
            EnableTls = true,
            RequestTimeout = TimeSpan.FromSeconds(1),
        });

        await Assert.ThrowsAnyAsync<ClientException>(() => provider.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync());
    }

    /// <summary>A broker with TLS and authentication, a lite parent, and a provider signing with the test user's credentials.</summary>
    private static async Task<TestBroker> StartSecuredAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var broker = await TestBroker.StartForClientsAsync(configureServer: WithAuth, certificate: certificate, credentials: new SessionCredentials(AccessKey, SecretKey));
        broker.CreateLiteParent();
        return broker;
    }
}
