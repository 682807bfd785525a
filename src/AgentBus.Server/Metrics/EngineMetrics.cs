using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentBus.Broker;
using AgentBus.Server.Hosting;

namespace AgentBus.Server.Metrics;

/// <summary>
/// The engine's instruments on meter <c>AgentBus.Broker</c>: backlog, lag and in-flight deliveries per topic and
/// consumer group (lite topics summed into their parent, so the series stay bounded), ready-set overflows, quota
/// refusals, and the commit log's fsync rounds (duration and size). Tags follow the OpenTelemetry messaging
/// conventions: <c>messaging.destination.name</c> and <c>messaging.consumer.group.name</c>.
/// </summary>
internal sealed class EngineMetrics
{
    /// <summary>
    /// How long one walk of the queues serves the backlog gauges (one collection reads three of them). Measured on the
    /// monotonic clock: a test's fake time must not freeze the gauges.
    /// </summary>
    private static readonly TimeSpan SnapshotLifetime = TimeSpan.FromSeconds(1);

    private readonly BrokerEngineHost _host;
    private readonly Histogram<double> _flushDuration;
    private readonly Histogram<long> _flushSize;
    private readonly Lock _snapshotLock = new();
    private List<ConsumerBacklog> _snapshot = [];
    private long _snapshotTakenAt = long.MinValue;

    /// <summary>Creates the instruments and hooks the commit log's flushes whenever the engine opens.</summary>
    /// <param name="meterFactory">Meter factory of the host.</param>
    /// <param name="host">The engine's host.</param>
    public EngineMetrics(IMeterFactory meterFactory, BrokerEngineHost host)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _host = host;
        var meter = meterFactory.Create(BrokerMetrics.MeterName);
        meter.CreateObservableGauge("agentbus.consumer.backlog", () => Backlog(static b => b.Backlog), "{message}",
            "Messages a consumer group has not acknowledged, per topic (lite topics summed into their parent) and group.");
        meter.CreateObservableGauge("agentbus.consumer.lag", () => Backlog(static b => b.Lag), "{message}",
            "Messages waiting to be delivered to a consumer group (never delivered, or due for redelivery), per topic and group.");
        meter.CreateObservableGauge("agentbus.consumer.inflight", () => Backlog(static b => b.Inflight), "{message}",
            "Deliveries neither acknowledged nor expired, per topic and group.");
        meter.CreateObservableCounter("agentbus.ready_set.overflows", () => host.IsRunning ? host.Engine.ReadySetOverflowCount : 0, "{event}",
            "Ready-set offers turned away because a client's ready set was full (each leads to a full dispatch of that client).");
        meter.CreateObservableCounter("agentbus.quota.refused", QuotaRefusals, "{request}",
            "Requests refused at a quota (tag quota: lite_topics, lite_subscriptions, auto_created_topics, auto_created_groups).");
        _flushDuration = meter.CreateHistogram("agentbus.commitlog.flush.duration", "s",
            "Time of one commit-log fsync round.", advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
            });
        _flushSize = meter.CreateHistogram("agentbus.commitlog.flush.size", "By",
            "Bytes made durable by one commit-log fsync round.", advice: new InstrumentAdvice<long>
            {
                HistogramBucketBoundaries = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
            });
        host.Opened += engine => engine.CommitLogFlushed = RecordFlush;
    }

    private void RecordFlush(long bytes, TimeSpan elapsed)
    {
        _flushDuration.Record(elapsed.TotalSeconds);
        _flushSize.Record(bytes);
    }

    private IEnumerable<Measurement<long>> Backlog(Func<ConsumerBacklog, long> value)
    {
        var snapshot = Snapshot();
        var measurements = new Measurement<long>[snapshot.Count];
        for (int i = 0; i < snapshot.Count; i++)
        {
            var entry = snapshot[i];
            measurements[i] = new Measurement<long>(value(entry),
                new KeyValuePair<string, object?>("messaging.destination.name", entry.Topic),
                new KeyValuePair<string, object?>("messaging.consumer.group.name", entry.Group));
        }

        return measurements;
    }

    private List<ConsumerBacklog> Snapshot()
    {
        lock (_snapshotLock)
        {
            long now = Stopwatch.GetTimestamp();
            if (_snapshotTakenAt == long.MinValue || Stopwatch.GetElapsedTime(_snapshotTakenAt, now) >= SnapshotLifetime)
            {
                _snapshot = Walk();
                _snapshotTakenAt = now;
            }

            return _snapshot;
        }
    }

    private List<ConsumerBacklog> Walk()
    {
        try
        {
            return _host.IsRunning ? _host.Engine.BacklogByTopicAndGroup() : [];
        }
        catch (ObjectDisposedException)
        {
            return []; // closed between the check and the walk
        }
        catch (InvalidOperationException)
        {
            return [];
        }
    }

    private IEnumerable<Measurement<long>> QuotaRefusals()
    {
        var counts = _host.IsRunning ? _host.Engine.QuotaRefusals : default;
        return
        [
            new Measurement<long>(counts.LiteTopics, new KeyValuePair<string, object?>("quota", "lite_topics")),
            new Measurement<long>(counts.LiteSubscriptions, new KeyValuePair<string, object?>("quota", "lite_subscriptions")),
            new Measurement<long>(counts.AutoCreatedTopics, new KeyValuePair<string, object?>("quota", "auto_created_topics")),
            new Measurement<long>(counts.AutoCreatedGroups, new KeyValuePair<string, object?>("quota", "auto_created_groups")),
        ];
    }
}
