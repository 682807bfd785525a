using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AgentBus.Broker.Topics;
using AgentBus.Server.Clients;
using AgentBus.Server.Limits;
using AgentBus.Server.Metrics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Server.Tests;

/// <summary>
/// The per-call limits: request header size, lite topics per SyncLiteSubscription, open receives per client. Each is
/// refused with the protocol's code in the response status, counted, and never logged as an error (the broker's
/// no-unexpected-errors check runs when it is disposed).
/// </summary>
public sealed class CallLimitTests
{
    private const string Parent = "agents";
    private const string Group = "workers";

    private static (MeterListener Listener, ConcurrentDictionary<string, long> Refused) ListenToRefusals(TestBroker broker)
    {
        var factory = broker.Services.GetRequiredService<IMeterFactory>();
        var refused = new ConcurrentDictionary<string, long>();
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BrokerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "agentbus.requests.refused")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => refused.AddOrUpdate((string)tags[0].Value!, value, (_, total) => total + value));
        listener.Start();
        return (listener, refused);
    }

    [Fact]
    public async Task Headers_past_Server_MaxRequestHeadersSize_are_refused_on_every_kind_of_call_and_the_client_is_not_kept()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: o => o.MaxRequestHeadersSize = 2048);
        var (listener, refused) = ListenToRefusals(broker);
        using var _ = listener;
        var registry = broker.Services.GetRequiredService<ClientRegistry>();
        var bulky = broker.Client("bulky", sign: headers => headers.Add("x-padding", new string('p', 3000)));
        var small = broker.Client("small", sign: headers => headers.Add("x-padding", new string('p', 1500)));

        var heartbeat = await bulky.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, bulky.Options());
        var receive = await bulky.ReceiveAsync("orders", "billing", poll: TimeSpan.FromSeconds(5));
        using var telemetry = bulky.Stub.Telemetry(bulky.Options());
        Assert.True(await telemetry.ResponseStream.MoveNext());
        var telemetryStatus = telemetry.ResponseStream.Current.Status.Code;
        var within = await small.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, small.Options());

        Assert.Equal(Code.RequestHeaderFieldsTooLarge, heartbeat.Status.Code);
        Assert.Contains("Server:MaxRequestHeadersSize", heartbeat.Status.Message);
        Assert.Equal(Code.RequestHeaderFieldsTooLarge, Assert.Single(receive.Responses).Status.Code);
        Assert.Equal(Code.RequestHeaderFieldsTooLarge, telemetryStatus);
        Assert.False(await telemetry.ResponseStream.MoveNext());
        Assert.Equal(Code.Ok, within.Status.Code);
        Assert.Null(registry.Find("bulky"));
        Assert.Equal(3, refused[LimitMetrics.HeadersTooLarge]);
    }

    [Fact]
    public async Task A_SyncLiteSubscription_listing_more_lite_topics_than_the_limit_is_refused_whole_but_a_clients_quota_always_fits()
    {
        await using var broker = await TestBroker.StartAsync(
            configure: o => o.MaxLiteSubscriptionsPerClient = 30,
            configureServer: o => o.MaxLiteTopicsPerRequest = 20);
        broker.Engine.Topics.CreateTopic(new TopicDefinition(Parent, TopicMessageType.Lite));
        var (listener, refused) = ListenToRefusals(broker);
        using var _ = listener;
        var client = broker.Client("many");

        // 30, the client's quota, passes though the request limit says 20; 31 is refused before anything is subscribed.
        var quota = await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteAdd, Enumerable.Range(0, 30).Select(i => $"t{i}"));
        var tooMany = await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.CompleteAdd, Enumerable.Range(100, 31).Select(i => $"t{i}"));
        var removeTooMany = await client.SyncLiteAsync(Parent, Group, LiteSubscriptionAction.PartialRemove, Enumerable.Range(0, 31).Select(i => $"t{i}"));

        Assert.Equal(Code.Ok, quota.Code);
        Assert.Equal(Code.PayloadTooLarge, tooMany.Code);
        Assert.Contains("Server:MaxLiteTopicsPerRequest", tooMany.Message);
        Assert.Equal(Code.PayloadTooLarge, removeTooMany.Code);
        Assert.Equal(30, broker.Engine.LiteSubscriptionsOf("many").Count);
        Assert.Equal(2, refused[LimitMetrics.TooManyLiteTopics]);
    }

    [Fact]
    public async Task Receives_past_Server_MaxPendingReceivesPerClient_get_too_many_requests_while_other_clients_are_served()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: o => o.MaxPendingReceivesPerClient = 2);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        var (listener, refused) = ListenToRefusals(broker);
        using var _ = listener;
        var pending = broker.Services.GetRequiredService<PendingReceives>();
        var busy = broker.Client("busy");
        using var stop = new CancellationTokenSource();
        var held = new[]
        {
            busy.ReceiveAsync(TestClient.ReceiveRequest("orders", "billing", poll: TimeSpan.FromSeconds(10)), stop.Token),
            busy.ReceiveAsync(TestClient.ReceiveRequest("orders", "billing", poll: TimeSpan.FromSeconds(10)), stop.Token),
        };
        await Eventually.TrueAsync(() => pending.Of("busy") == 2, what: "both long polls are open");

        var third = await busy.ReceiveAsync("orders", "billing", poll: TimeSpan.FromSeconds(10)).WaitAsync(TimeSpan.FromSeconds(3));
        var other = await broker.Client("other").ReceiveAsync("orders", "billing", poll: TimeSpan.FromMilliseconds(100));
        await stop.CancelAsync();
        foreach (var call in held)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => call);
        }

        await Eventually.TrueAsync(() => pending.Of("busy") == 0, what: "the cancelled polls are no longer counted");
        var afterwards = await busy.ReceiveAsync("orders", "billing", poll: TimeSpan.FromMilliseconds(100));

        Assert.Equal(Code.TooManyRequests, Assert.Single(third.Responses).Status.Code);
        Assert.Contains("Server:MaxPendingReceivesPerClient", third.Status!.Message);
        Assert.Equal(Code.MessageNotFound, other.Status!.Code);
        Assert.Equal(Code.MessageNotFound, afterwards.Status!.Code);
        Assert.Equal(1, refused[LimitMetrics.TooManyPendingReceives]);
        Assert.Equal(0, pending.Total);
    }
}
