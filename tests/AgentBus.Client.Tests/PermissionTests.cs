using AgentBus.Client.Configuration;
using AgentBus.Client.Errors;
using AgentBus.Client.Tests.Infrastructure;
using AgentBus.Server.Hosting;

namespace AgentBus.Client.Tests;

/// <summary>The client against a broker whose user may publish and subscribe only to <c>worker|*</c>: refusals surface as <see cref="ForbiddenException"/>.</summary>
public sealed class PermissionTests
{
    private const string AccessKey = "worker";
    private const string Secret = "worker-secret";

    [Fact]
    public async Task Publishing_outside_the_permitted_lite_topics_fails_with_ForbiddenException()
    {
        await using var broker = await StartAsync();
        await using var producer = await broker.Provider.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync();

        await producer.SendAsync(broker.Lite("worker|1", "allowed"));
        var error = await Assert.ThrowsAsync<ForbiddenException>(() => producer.SendAsync(broker.Lite("boss|1", "refused")));

        Assert.Equal(40300, error.Code);
        Assert.Contains("boss|1", error.Message, StringComparison.Ordinal);
        Assert.Equal(1L, broker.Engine.LiteOffsets(Scenario.Parent, "worker|1", "workers")?.Max);
        Assert.Null(broker.Engine.LiteOffsets(Scenario.Parent, "boss|1", "workers"));
    }

    [Fact]
    public async Task Subscribing_outside_the_permitted_lite_topics_or_groups_fails_with_ForbiddenException()
    {
        await using var broker = await StartAsync();
        var collector = new Collector();
        await using var consumer = await broker.LiteConsumerAsync("workers", collector.Listener);

        await consumer.SubscribeLiteAsync("worker|1");
        var liteTopic = await Assert.ThrowsAsync<ForbiddenException>(() => consumer.SubscribeLiteAsync("boss|1"));
        await using var bosses = await broker.LiteConsumerAsync("bosses", collector.Listener);
        var group = await Assert.ThrowsAsync<ForbiddenException>(() => bosses.SubscribeLiteAsync("worker|1"));

        Assert.Equal(40300, liteTopic.Code);
        Assert.Contains("bosses", group.Message, StringComparison.Ordinal);
        Assert.Empty(broker.Engine.LiteSubscriptionsOf(bosses.ClientId));
        Assert.Equal(["worker|1"], broker.Engine.LiteSubscriptionsOf(consumer.ClientId));
    }

    private static async Task<TestBroker> StartAsync()
    {
        var broker = await TestBroker.StartForClientsAsync(configureServer: server =>
        {
            server.Auth.Enabled = true;
            var user = new AuthUser { AccessKey = AccessKey, SecretKey = Secret };
            var permission = new AuthPermission { Actions = AuthActions.Publish | AuthActions.Subscribe, Topic = Scenario.Parent };
            permission.LiteTopics.Add("worker|*");
            permission.Groups.Add("workers");
            user.Permissions.Add(permission);
            server.Auth.Users.Add(user);
        }, credentials: new SessionCredentials(AccessKey, Secret));
        broker.CreateLiteParent();
        return broker;
    }
}
