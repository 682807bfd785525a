using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AgentBus.Server.Clients;
using AgentBus.Server.Metrics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Server.Tests;

/// <summary>Per-client state is bounded for unauthenticated callers: the length of a client id and the number of clients.</summary>
public sealed class ClientLimitTests
{
    private static async Task<Code> HeartbeatAsync(TestClient client) =>
        (await client.Stub.HeartbeatAsync(new HeartbeatRequest { ClientType = ClientType.Producer }, client.Options())).Status.Code;

    [Fact]
    public async Task A_client_id_past_the_length_limit_is_refused_and_not_kept()
    {
        await using var broker = await TestBroker.StartAsync();
        var registry = broker.Services.GetRequiredService<ClientRegistry>();

        var longest = await HeartbeatAsync(broker.Client(new string('a', 256)));
        var tooLong = broker.Client(new string('b', 4 * 1024));
        var refused = await HeartbeatAsync(tooLong);
        var send = await tooLong.SendAsync(TestClient.Message("t", "x"));
        using var receive = tooLong.Stub.ReceiveMessage(TestClient.ReceiveRequest("t", "g"), tooLong.Options());
        var receiveStatus = (await receive.ResponseStream.ReadAllAsync().ToListAsync()).Last().Status.Code;

        Assert.Equal(Code.Ok, longest);
        Assert.Equal(Code.BadRequest, refused);
        Assert.Equal(Code.BadRequest, send.Status.Code);
        Assert.Equal(Code.BadRequest, receiveStatus);
        Assert.Null(registry.Find(new string('b', 4 * 1024)));
        Assert.Equal(1, registry.Count);
        Assert.Equal(3, registry.RefusedIds);
    }

    [Fact]
    public async Task New_clients_past_the_limit_get_too_many_requests_while_known_clients_are_served()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: o => o.MaxClients = 3);
        var registry = broker.Services.GetRequiredService<ClientRegistry>();
        var factory = broker.Services.GetRequiredService<IMeterFactory>();
        var refusedByReason = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BrokerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "agentbus.clients.refused")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => refusedByReason[(string)tags[0].Value!] = value);
        listener.Start();
        var known = new[] { broker.Client("c1"), broker.Client("c2"), broker.Client("c3") };
        foreach (var client in known)
        {
            Assert.Equal(Code.Ok, await HeartbeatAsync(client));
        }

        var late = broker.Client("c4");
        var refused = await HeartbeatAsync(late);
        using var telemetry = late.Stub.Telemetry(late.Options());
        Assert.True(await telemetry.ResponseStream.MoveNext());
        var telemetryStatus = telemetry.ResponseStream.Current.Status.Code;
        var stillServed = await HeartbeatAsync(known[0]);
        await known[2].Stub.NotifyClientTerminationAsync(new NotifyClientTerminationRequest(), known[2].Options());
        var admittedOnceRoom = await HeartbeatAsync(late);
        listener.RecordObservableInstruments();

        Assert.Equal(Code.TooManyRequests, refused);
        Assert.Equal(Code.TooManyRequests, telemetryStatus);
        Assert.Equal(Code.Ok, stillServed);
        Assert.Equal(Code.Ok, admittedOnceRoom);
        Assert.Equal(3, registry.Count);
        Assert.Equal(2, refusedByReason["too_many_clients"]);
        Assert.Equal(0, refusedByReason["client_id_too_long"]);
    }
}
