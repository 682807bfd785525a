using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AgentBus.Broker.Topics;
using AgentBus.Server.Metrics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Server.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_broker_meter_counts_messages_and_reports_lite_gauges()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        var factory = broker.Broker.Services.GetRequiredService<IMeterFactory>();
        var values = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BrokerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values.AddOrUpdate(instrument.Name, value,
            (_, old) => instrument is Counter<long> ? old + value : value));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.Start();

        var client = broker.Client();
        await client.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["s1", "s2"]);
        await client.SendAsync(TestClient.Message("agents", "a", liteTopic: "s1"), TestClient.Message("agents", "b", liteTopic: "s1"));
        var received = await client.ReceiveAsync("agents", "g", poll: TimeSpan.FromSeconds(5));
        await client.AckAsync("agents", "g", [.. received.Messages]);
        listener.RecordObservableInstruments();

        Assert.Equal(2, values["agentbus.messages.in"]);
        Assert.Equal(2, values["agentbus.messages.out"]);
        Assert.Equal(2, values["agentbus.messages.acked"]);
        Assert.Equal(2, values["agentbus.lite_topics"]);
        Assert.Equal(2, values["agentbus.lite_subscriptions"]);
        Assert.Equal(1, values["agentbus.lite_clients"]);
        Assert.True(values["agentbus.commitlog.position"] > 0);
    }
}
