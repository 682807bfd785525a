using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AgentBus.Broker.Topics;
using AgentBus.Server.Metrics;
using AgentBus.Server.Tests.Infrastructure;
using Apache.Rocketmq.V2;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Server.Tests;

/// <summary>The engine's instruments on meter AgentBus.Broker, read with a MeterListener from a real broker over gRPC.</summary>
public sealed class EngineMetricsTests
{
    [Fact]
    public async Task Every_instrument_exists_from_the_start_before_any_call()
    {
        await using var broker = await TestBroker.StartAsync();
        using var meter = new BrokerMeter(broker);

        string[] expected =
        [
            "agentbus.messages.in", "agentbus.messages.out", "agentbus.lite_topics", "agentbus.requests.refused",
            "agentbus.consumer.backlog", "agentbus.consumer.lag", "agentbus.consumer.inflight", "agentbus.ready_set.overflows",
            "agentbus.quota.refused", "agentbus.commitlog.flush.duration", "agentbus.commitlog.flush.size",
        ];
        Assert.All(expected, name => Assert.Contains(name, meter.Published));
    }

    [Fact]
    public async Task Backlog_lag_and_inflight_are_summed_per_parent_topic_and_group_never_per_lite_topic()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents"));
        using var meter = new BrokerMeter(broker);
        var client = broker.Client();
        Assert.Equal(Code.Ok, (await client.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["s1", "s2", "s3"])).Code);
        await client.SendAsync(TestClient.Message("agents", "a", liteTopic: "s1"), TestClient.Message("agents", "b", liteTopic: "s2"),
            TestClient.Message("agents", "c", liteTopic: "s3"));

        await meter.WaitForAsync("agentbus.consumer.backlog", "agents", "g", 3);
        Assert.Equal(3, meter.Value("agentbus.consumer.lag", "agents", "g"));
        Assert.Equal(0, meter.Value("agentbus.consumer.inflight", "agents", "g"));

        var received = await client.ReceiveAsync("agents", "g", batch: 2, poll: TimeSpan.FromSeconds(5));
        Assert.Equal(2, received.Messages.Count);
        await meter.WaitForAsync("agentbus.consumer.inflight", "agents", "g", 2);
        Assert.Equal(1, meter.Value("agentbus.consumer.lag", "agents", "g"));
        Assert.Equal(3, meter.Value("agentbus.consumer.backlog", "agents", "g"));

        Assert.Equal(Code.Ok, await client.AckAsync("agents", "g", [.. received.Messages]));
        await meter.WaitForAsync("agentbus.consumer.backlog", "agents", "g", 1);
        Assert.Equal(0, meter.Value("agentbus.consumer.inflight", "agents", "g"));

        // One series per (topic, group): the three lite topics never show up as series of their own.
        var series = meter.Series("agentbus.consumer.backlog");
        Assert.Equal([("agents", "g")], series);
    }

    [Fact]
    public async Task A_full_ready_set_counts_an_overflow()
    {
        await using var broker = await TestBroker.StartAsync(configure: o => o.ReadySetCapacity = 1);
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        broker.Engine.Topics.CreateGroup(new ConsumerGroupDefinition("g", "agents"));
        using var meter = new BrokerMeter(broker);
        var consumer = broker.Client();
        Assert.Equal(Code.Ok, (await consumer.SyncLiteAsync("agents", "g", LiteSubscriptionAction.PartialAdd, ["s1", "s2", "s3"])).Code);
        Assert.Equal(0, meter.Total("agentbus.ready_set.overflows"));

        foreach (string lite in new[] { "s1", "s2", "s3" })
        {
            await consumer.SendOkAsync(TestClient.Message("agents", lite, liteTopic: lite));
        }

        await Eventually.TrueAsync(() => meter.Total("agentbus.ready_set.overflows") >= 1, what: "an overflow counted");
    }

    [Fact]
    public async Task Quota_refusals_are_counted_by_quota()
    {
        await using var broker = await TestBroker.StartAsync(configure: o =>
        {
            o.MaxLiteTopics = 1;
            o.MaxAutoCreatedTopics = 1;
        });
        broker.Engine.Topics.CreateTopic(new TopicDefinition("agents", TopicMessageType.Lite));
        using var meter = new BrokerMeter(broker);
        var client = broker.Client();

        await client.SendOkAsync(TestClient.Message("agents", "first", liteTopic: "s1"));
        Assert.Equal(Code.LiteTopicQuotaExceeded, (await client.SendAsync(TestClient.Message("agents", "second", liteTopic: "s2"))).Status.Code);
        Assert.Equal(Code.TopicNotFound, (await client.SendAsync(TestClient.Message("never-declared", "x"))).Status.Code);

        Assert.Equal(1, meter.Value("agentbus.quota.refused", ("quota", "lite_topics")));
        Assert.Equal(1, meter.Value("agentbus.quota.refused", ("quota", "auto_created_topics")));
        Assert.Equal(0, meter.Value("agentbus.quota.refused", ("quota", "auto_created_groups")));
        Assert.Equal(0, meter.Value("agentbus.quota.refused", ("quota", "lite_subscriptions")));
    }

    [Fact]
    public async Task Each_commit_log_flush_records_its_duration_and_size()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Engine.Topics.CreateTopic(new TopicDefinition("orders", TopicMessageType.Normal));
        using var meter = new BrokerMeter(broker);

        await broker.Client().SendOkAsync(TestClient.Message("orders", new string('x', 1000)));

        await Eventually.TrueAsync(() => meter.HistogramCount("agentbus.commitlog.flush.size") >= 1, what: "a flush recorded");
        Assert.True(meter.HistogramSum("agentbus.commitlog.flush.size") >= 1000, "The flush sizes do not cover the message body.");
        Assert.True(meter.HistogramCount("agentbus.commitlog.flush.duration") >= 1);
        Assert.True(meter.HistogramSum("agentbus.commitlog.flush.duration") > 0);
    }

    /// <summary>A MeterListener on one broker's AgentBus.Broker meter (other brokers of the test run have meters of their own).</summary>
    private sealed class BrokerMeter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<(string Name, string Tags), long> _latest = new();
        private readonly ConcurrentDictionary<string, (long Count, double Sum)> _histograms = new();

        public BrokerMeter(TestBroker broker)
        {
            var factory = broker.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == BrokerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    Published.Add(instrument.Name);
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public ConcurrentBag<string> Published { get; } = [];

        /// <summary>The value observed last for a topic and group.</summary>
        public long Value(string name, string topic, string group) =>
            Value(name, ("messaging.consumer.group.name", group), ("messaging.destination.name", topic));

        /// <summary>The value observed last for the tags (in ordinal order of their keys).</summary>
        public long Value(string name, params (string Key, string Value)[] tags)
        {
            _listener.RecordObservableInstruments();
            return _latest.TryGetValue((name, Key(tags)), out long value) ? value : throw new InvalidOperationException($"No measurement of {name} {Key(tags)}.");
        }

        /// <summary>The sum over every series of an observable instrument.</summary>
        public long Total(string name)
        {
            _listener.RecordObservableInstruments();
            return _latest.Where(e => e.Key.Name == name).Sum(e => e.Value);
        }

        /// <summary>(topic, group) of every series an instrument reported.</summary>
        public List<(string Topic, string Group)> Series(string name)
        {
            _listener.RecordObservableInstruments();
            return [.. _latest.Keys.Where(k => k.Name == name).Select(k => k.Tags.Split(',')).Select(t => (t[1]["messaging.destination.name=".Length..], t[0]["messaging.consumer.group.name=".Length..]))];
        }

        public Task WaitForAsync(string name, string topic, string group, long value) =>
            Eventually.TrueAsync(() =>
            {
                _listener.RecordObservableInstruments();
                return _latest.TryGetValue((name, Key([("messaging.consumer.group.name", group), ("messaging.destination.name", topic)])), out long seen) && seen == value;
            }, what: $"{name} of {topic}/{group} at {value}");

        public long HistogramCount(string name) => _histograms.TryGetValue(name, out var h) ? h.Count : 0;

        public double HistogramSum(string name) => _histograms.TryGetValue(name, out var h) ? h.Sum : 0;

        public void Dispose() => _listener.Dispose();

        private static string Key(IEnumerable<(string Key, string Value)> tags) =>
            string.Join(",", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (instrument is Histogram<double> or Histogram<long>)
            {
                _histograms.AddOrUpdate(instrument.Name, (1, value), (_, old) => (old.Count + 1, old.Sum + value));
                return;
            }

            var pairs = new List<(string, string)>(tags.Length);
            foreach (var tag in tags)
            {
                pairs.Add((tag.Key, tag.Value?.ToString() ?? ""));
            }

            long whole = (long)value;
            _latest.AddOrUpdate((instrument.Name, Key(pairs)), whole, (_, old) => instrument is Counter<long> ? old + whole : whole);
        }
    }
}
