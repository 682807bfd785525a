using System.Diagnostics.Metrics;
using AgentBus.Server.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace AgentBus.Client.Tests.Faults;

/// <summary>
/// Counts the broker's <c>agentbus.messages.out</c>: messages whose receive answer the broker finished writing, which
/// a test uses to know that an answer left the broker before it cuts the connection that carries it.
/// </summary>
internal sealed class DeliveredMessages : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public DeliveredMessages(TestBroker broker)
    {
        var factory = broker.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BrokerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)
                && instrument.Name == "agentbus.messages.out")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
