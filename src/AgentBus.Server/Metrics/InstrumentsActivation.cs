namespace AgentBus.Server.Metrics;

/// <summary>
/// Creates the broker's instruments when the host starts, so a listener sees every one of them (with zeros) from the
/// start rather than after the first call that happens to resolve them; and the commit log's flushes are recorded
/// from the engine's opening on. A hosted service is built before any hosted service starts.
/// </summary>
internal sealed class InstrumentsActivation : IHostedService
{
    /// <summary>Takes the instruments so the container creates them now.</summary>
    /// <param name="broker">The server's counters and gauges.</param>
    /// <param name="engine">The engine's gauges and histograms.</param>
    /// <param name="limits">The per-call limits' counter.</param>
    public InstrumentsActivation(BrokerMetrics broker, EngineMetrics engine, LimitMetrics limits)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(limits);
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
