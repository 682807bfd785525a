using AgentBus.Broker;
using AgentBus.Client.Configuration;
using AgentBus.Client.Errors;
using AgentBus.Client.Messages;
using AgentBus.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentBus.Client.Tests.Faults;

/// <summary>
/// A producer and a lite push consumer both behind a <see cref="FaultProxy"/>, through a stalled connection (open and
/// silent) and a broker that refuses connections for a while: calls fail by their deadlines with a clear exception,
/// and the clients recover on their own once the network comes back.
/// </summary>
public sealed class ConnectivityFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_stalled_connection_fails_sends_by_their_deadline_and_everything_flows_again_after_it_resumes()
    {
        // Long polls of 1 s: the consumer's receive (1 s + 2 s deadline) also runs into the stall.
        await using var setup = await FaultSetup.StartAsync(output, configureServer: options => options.LongPollingTimeout = TimeSpan.FromSeconds(1));
        var collector = new Collector();
        await using var consumer = await setup.Proxied.NewLitePushConsumerBuilder().BindTopic(Scenario.Parent).SetConsumerGroup("stall")
            .SetMessageListener(collector.Listener).BuildAsync();
        await consumer.SubscribeLiteAsync("chat");
        await using var producer = await setup.Proxied.NewProducerBuilder().SetTopics(Scenario.Parent).SetMaxAttempts(2).BuildAsync();
        await producer.SendAsync(Keyed(setup, "chat", "before"));
        await collector.WaitForCountAsync(1);

        setup.Proxy.Stall();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var failure = await Assert.ThrowsAnyAsync<ClientException>(() => producer.SendAsync(Keyed(setup, "chat", "stalled")));
        var elapsed = started.Elapsed;
        Assert.IsType<RequestTimeoutException>(failure);
        Assert.True(elapsed >= FaultSetup.RequestTimeout && elapsed < 3 * FaultSetup.RequestTimeout,
            $"failed after {elapsed}: 2 attempts of {FaultSetup.RequestTimeout} each");
        setup.Proxy.Resume();

        await producer.SendAsync(Keyed(setup, "chat", "after"));
        await collector.WaitForAsync(m => m.Any(x => x.Text() == "after"));
        // The stalled send timed out, yet its request may have reached the broker once the bytes flowed: the
        // deduplication key keeps it to one copy at most.
        var bodies = collector.Messages.Select(m => m.Text()).ToList();
        Assert.Equal(bodies.Distinct(), bodies);
        Assert.Subset(new HashSet<string> { "before", "stalled", "after" }, bodies.ToHashSet());
        Assert.Equal(setup.Stored("chat").Select(m => m.MessageId).Distinct().Count(), setup.Stored("chat").Count);
    }

    [Fact]
    public async Task A_stalled_connection_is_given_up_after_the_keep_alive_interval_and_timeout_and_a_new_one_carries_on()
    {
        await using var setup = await FaultSetup.StartAsync(output, configureServer: options => options.LongPollingTimeout = TimeSpan.FromSeconds(20));
        var quick = new ClientServiceProvider(new ClientConfiguration
        {
            Endpoints = setup.Proxy.Endpoint,
            RequestTimeout = FaultSetup.RequestTimeout,
            KeepAliveInterval = TimeSpan.FromSeconds(1),
            KeepAliveTimeout = TimeSpan.FromSeconds(1),
            LoggerFactory = setup.Broker.LoggerFactory,
        });
        var collector = new Collector();
        // A consumer in a long poll (20 s): a call in flight on a silent connection, as an idle agent always has.
        await using var consumer = await quick.NewLitePushConsumerBuilder().BindTopic(Scenario.Parent).SetConsumerGroup("keepalive")
            .SetMessageListener(collector.Listener).BuildAsync();
        await consumer.SubscribeLiteAsync("quiet");
        await using var direct = await setup.Broker.ProducerAsync();
        await direct.SendAsync(Keyed(setup, "quiet", "before"));
        await collector.WaitForCountAsync(1);
        int accepted = setup.Proxy.ConnectionsAccepted;

        setup.Proxy.Stall();
        // No answer to its pings: the client gives the connection up after about 2 s and dials again, long before the
        // poll's own deadline (22 s) and the default keep-alive (40 s) would have noticed.
        await Eventually.TrueAsync(() => setup.Proxy.ConnectionsAccepted > accepted, TimeSpan.FromSeconds(10), "a new connection after the pings went unanswered");
        setup.Proxy.Resume();
        // The given-up connection closes through to the broker once the proxy forwards again. Until then the broker
        // still holds the old long poll and may hand the next message to it (a partitioned broker cannot know better);
        // that message then comes back only after its invisible time, which is not what this test is about.
        await Eventually.TrueAsync(() => setup.Proxy.ActiveConnections == 1, TimeSpan.FromSeconds(10), "the given-up connection closed");

        await direct.SendAsync(Keyed(setup, "quiet", "after"));
        await collector.WaitForAsync(m => m.Any(x => x.Text() == "after"));
    }

    [Fact]
    public void Keep_alive_settings_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientServiceProvider(new ClientConfiguration { Endpoints = "127.0.0.1:1", KeepAliveInterval = TimeSpan.FromMilliseconds(10) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientServiceProvider(new ClientConfiguration { Endpoints = "127.0.0.1:1", KeepAliveTimeout = TimeSpan.Zero }));
    }

    [Fact]
    public async Task Clients_recover_on_their_own_after_the_broker_refused_connections_for_two_seconds()
    {
        await using var setup = await FaultSetup.StartAsync(output);
        var collector = new Collector();
        await using var consumer = await setup.Proxied.NewLitePushConsumerBuilder().BindTopic(Scenario.Parent).SetConsumerGroup("refused")
            .SetMessageListener(collector.Listener).BuildAsync();
        await consumer.SubscribeLiteAsync("events");
        await using var producer = await setup.Proxied.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync();
        await using var direct = await setup.Broker.ProducerAsync();
        await producer.SendAsync(Keyed(setup, "events", "p0"));
        await collector.WaitForCountAsync(1);
        int accepted = setup.Proxy.ConnectionsAccepted;

        var refusing = setup.Proxy.RefuseConnectionsForAsync(TimeSpan.FromSeconds(2));
        await setup.Proxy.CutAllAsync();
        Assert.False(setup.Proxy.IsAcceptingConnections);
        // Sent while the consumer cannot connect; a send through the proxy either gets through (its retries outlast
        // the refusal) or fails with a network error, never silently.
        for (int i = 1; i <= 3; i++)
        {
            await direct.SendAsync(Keyed(setup, "events", $"d{i}"));
        }

        string? duringRefusal = null;
        try
        {
            await producer.SendAsync(Keyed(setup, "events", "p-during"));
            duringRefusal = "p-during";
        }
        catch (ClientException ex)
        {
            Assert.True(ex is NetworkException or RequestTimeoutException, $"a network failure, not {ex.GetType().Name}: {ex.Message}");
        }

        await Eventually.CompletesAsync(refusing, what: "the proxy accepts again");
        await producer.SendAsync(Keyed(setup, "events", "p-after"));

        string[] expected = ["p0", "d1", "d2", "d3", .. duringRefusal is null ? Array.Empty<string>() : [duringRefusal], "p-after"];
        await collector.WaitForAsync(m => expected.All(body => m.Any(x => x.Text() == body)), TimeSpan.FromSeconds(15));
        Assert.True(setup.Proxy.ConnectionsAccepted > accepted, "the clients reconnected");
        Assert.Equal(["events"], setup.Broker.Engine.LiteSubscriptionsOf(consumer.ClientId));
    }

    private static Message Keyed(FaultSetup setup, string liteTopic, string body) => setup.Broker.Provider.NewMessageBuilder()
        .SetTopic(Scenario.Parent).SetLiteTopic(liteTopic).SetBody(body).AddProperty(BrokerEngine.DeduplicationKeyProperty, "key-" + body).Build();
}
