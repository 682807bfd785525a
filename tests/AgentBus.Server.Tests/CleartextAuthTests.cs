using AgentBus.Broker.Topics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using static AgentBus.TestUtilities.Signatures;

namespace AgentBus.Server.Tests;

/// <summary>
/// Server:Auth:RequireTls: the signature covers only x-mq-date-time, so credentials seen in cleartext can be replayed;
/// with the option on, a signed call is accepted over TLS only.
/// </summary>
public sealed class CleartextAuthTests
{
    private static void WithAuthOverTlsOnly(AgentBus.Server.Hosting.ServerOptions server)
    {
        WithAuth(server);
        server.Auth.RequireTls = true;
    }

    [Fact]
    public async Task With_RequireTls_a_correctly_signed_call_in_cleartext_is_refused_as_unauthorized()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: WithAuthOverTlsOnly);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var client = broker.Client(sign: Signed());

        var send = await client.SendAsync(TestClient.Message("orders", "in the clear"));
        var receive = await client.ReceiveAsync("orders", "billing", poll: TimeSpan.FromSeconds(5));

        Assert.Equal(Code.Unauthorized, send.Status.Code);
        Assert.Contains("Server:Auth:RequireTls", send.Status.Message);
        Assert.Equal(Code.Unauthorized, Assert.Single(receive.Responses).Status.Code);
    }

    [Fact]
    public async Task With_RequireTls_the_same_signed_call_over_tls_is_served()
    {
        using var certificate = TestCertificates.SelfSigned();
        await using var broker = await TestBroker.StartAsync(configureServer: WithAuthOverTlsOnly, certificate: certificate);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var client = broker.Client(sign: Signed());

        await client.SendOkAsync(TestClient.Message("orders", "over tls"));
        var received = await client.ReceiveAsync("orders", "billing", poll: TimeSpan.FromSeconds(5));

        Assert.Equal(["over tls"], received.Bodies);
    }
}
