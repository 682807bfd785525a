using System.Diagnostics.Metrics;
using AgentBus.Server.Clients;
using AgentBus.Server.Hosting;
using AgentBus.Server.Telemetry;

namespace AgentBus.Server.Metrics;

/// <summary>
/// The broker's instruments on meter <c>AgentBus.Broker</c>: counters of messages in, out and acknowledged, and
/// gauges of lite topics, lite subscriptions, clients, ready-set events, the commit log and auto-renewal.
/// <see cref="EngineMetrics"/> (backlog, lag, flushes, quotas) and <see cref="LimitMetrics"/> add theirs to the same
/// meter. Collect them with any System.Diagnostics.Metrics listener (dotnet-counters, OpenTelemetry); every one of
/// them is listed in docs/operations.md.
/// </summary>
internal sealed class BrokerMetrics
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "AgentBus.Broker";

    /// <summary>
    /// The meter the .NET runtime publishes its GC, memory and thread-pool figures on (one per process), exported next
    /// to the broker's: the heap after the last collection is what tells retained memory from GC headroom.
    /// </summary>
    public const string RuntimeMeterName = "System.Runtime";

    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _messagesOut;
    private readonly Counter<long> _acks;
    private readonly Counter<long> _receiveCalls;
    private readonly Counter<long> _ackCalls;
    private long _waitingReceives;
    private long _openStreams;
    private long _receiveCallCount;
    private long _ackCallCount;
    private long _messagesInTotal;
    private long _bytesInTotal;
    private long _messagesOutTotal;
    private long _ackedTotal;

    /// <summary>Creates the instruments.</summary>
    /// <param name="meterFactory">Meter factory of the host.</param>
    /// <param name="host">The engine's host, read by the gauges.</param>
    /// <param name="clients">Known clients.</param>
    /// <param name="telemetry">Open Telemetry streams.</param>
    public BrokerMetrics(IMeterFactory meterFactory, BrokerEngineHost host, ClientRegistry clients, TelemetryHub telemetry)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _messagesIn = meter.CreateCounter<long>("agentbus.messages.in", "{message}", "Messages stored from producers.");
        _bytesIn = meter.CreateCounter<long>("agentbus.messages.in.bytes", "By", "Body bytes stored from producers.");
        _messagesOut = meter.CreateCounter<long>("agentbus.messages.out", "{message}", "Messages delivered to consumers.");
        _acks = meter.CreateCounter<long>("agentbus.messages.acked", "{message}", "Deliveries acknowledged.");
        _receiveCalls = meter.CreateCounter<long>("agentbus.receive.calls", "{call}", "ReceiveMessage calls (a continuous receive is one call for many messages).");
        _ackCalls = meter.CreateCounter<long>("agentbus.ack.calls", "{call}", "AckMessage calls (each may carry many entries).");
        meter.CreateObservableGauge("agentbus.lite_topics", () => host.IsRunning ? host.Engine.LiteTopicCount : 0, "{topic}", "Lite topics held.");
        meter.CreateObservableGauge("agentbus.lite_subscriptions", () => host.IsRunning ? host.Engine.LiteSubscriptionCount : 0, "{subscription}",
            "Lite subscription references (client x lite topic).");
        meter.CreateObservableGauge("agentbus.lite_clients", () => host.IsRunning ? host.Engine.LiteClientCount : 0, "{client}",
            "Clients with lite subscriptions.");
        meter.CreateObservableGauge("agentbus.ready_set.size", () => host.IsRunning ? host.Engine.ReadySetTotal : 0, "{topic}",
            "Lite topics with pending messages waiting in clients' ready sets.");
        meter.CreateObservableGauge("agentbus.full_dispatches", () => host.IsRunning ? host.Engine.FullDispatchCount : 0, "{dispatch}",
            "Full dispatches run because a ready set overflowed (cumulative).");
        meter.CreateObservableGauge("agentbus.commitlog.position", () => host.IsRunning ? host.Engine.CommitLogPosition : 0, "By",
            "Bytes written to the commit log.");
        meter.CreateObservableGauge("agentbus.receives.waiting", () => WaitingReceives, "{call}", "ReceiveMessage calls waiting in a long poll.");
        meter.CreateObservableGauge("agentbus.clients", () => clients.Count, "{client}", "Clients heard from recently.");
        meter.CreateObservableCounter("agentbus.clients.refused", () => new[]
        {
            new Measurement<long>(clients.RefusedIds, new KeyValuePair<string, object?>("reason", "client_id_too_long")),
            new Measurement<long>(clients.RefusedFull, new KeyValuePair<string, object?>("reason", "too_many_clients")),
        }, "{client}", "New clients refused: an over-long client id, or the broker at Server:MaxClients.");
        meter.CreateObservableGauge("agentbus.telemetry_streams", () => telemetry.Count, "{stream}", "Open Telemetry streams.");
        meter.CreateObservableGauge("agentbus.message_streams", () => OpenStreams, "{stream}",
            "Open message streams (agentbus.v1.MessageStream: a client's sends and acks as frames of one call).");
        meter.CreateObservableGauge("agentbus.auto_renew.tracked", () => host.IsRunning ? host.Engine.Renewals.Count : 0, "{delivery}", "Deliveries renewed by the server.");
    }

    /// <summary>ReceiveMessage calls waiting in a long poll now.</summary>
    public long WaitingReceives => Interlocked.Read(ref _waitingReceives);

    /// <summary>ReceiveMessage calls since the start.</summary>
    public long ReceiveCalls => Interlocked.Read(ref _receiveCallCount);

    /// <summary>AckMessage calls since the start.</summary>
    public long AckCalls => Interlocked.Read(ref _ackCallCount);

    /// <summary>Messages stored from producers since the start.</summary>
    public long MessagesInTotal => Interlocked.Read(ref _messagesInTotal);

    /// <summary>Body bytes stored from producers since the start.</summary>
    public long BytesInTotal => Interlocked.Read(ref _bytesInTotal);

    /// <summary>Messages delivered to consumers since the start.</summary>
    public long MessagesOutTotal => Interlocked.Read(ref _messagesOutTotal);

    /// <summary>Deliveries acknowledged since the start.</summary>
    public long AckedTotal => Interlocked.Read(ref _ackedTotal);

    /// <summary>Counts a ReceiveMessage call.</summary>
    public void ReceiveCall()
    {
        Interlocked.Increment(ref _receiveCallCount);
        _receiveCalls.Add(1);
    }

    /// <summary>Counts an AckMessage call.</summary>
    public void AckCall()
    {
        Interlocked.Increment(ref _ackCallCount);
        _ackCalls.Add(1);
    }

    /// <summary>Message streams open now.</summary>
    public long OpenStreams => Interlocked.Read(ref _openStreams);

    /// <summary>A client opened its message stream.</summary>
    public void StreamOpened() => Interlocked.Increment(ref _openStreams);

    /// <summary>A message stream ended.</summary>
    public void StreamClosed() => Interlocked.Decrement(ref _openStreams);

    /// <summary>A ReceiveMessage call starts waiting.</summary>
    public void ReceiveWaiting() => Interlocked.Increment(ref _waitingReceives);

    /// <summary>A ReceiveMessage call stops waiting.</summary>
    public void ReceiveDone() => Interlocked.Decrement(ref _waitingReceives);

    /// <summary>Counts messages stored from a send request.</summary>
    /// <param name="count">Messages.</param>
    /// <param name="bytes">Body bytes.</param>
    public void MessagesIn(int count, long bytes)
    {
        Interlocked.Add(ref _messagesInTotal, count);
        Interlocked.Add(ref _bytesInTotal, bytes);
        _messagesIn.Add(count);
        _bytesIn.Add(bytes);
    }

    /// <summary>Counts messages written to a consumer.</summary>
    /// <param name="count">Messages.</param>
    public void MessagesOut(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _messagesOutTotal, count);
            _messagesOut.Add(count);
        }
    }

    /// <summary>Counts acknowledged deliveries.</summary>
    /// <param name="count">Deliveries.</param>
    public void Acked(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _ackedTotal, count);
            _acks.Add(count);
        }
    }
}
