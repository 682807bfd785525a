namespace AgentBus.TestUtilities;

/// <summary>
/// One test's bus namespace on a shared <see cref="BusBroker"/> (see <see cref="BusBroker.Scope"/>): buses it connects
/// use its parent topic and groups, and disposing it stops them (the broker goes on for the other tests).
/// </summary>
public sealed class BusScope : IAsyncDisposable
{
    private readonly BusBroker _broker;
    private readonly string _parentTopic;
    private readonly string _consumerGroup;
    private readonly string _sessionGroup;
    private readonly BusList _buses = new();

    internal BusScope(BusBroker broker, string parentTopic, string consumerGroup, string sessionGroup)
    {
        _broker = broker;
        _parentTopic = parentTopic;
        _consumerGroup = consumerGroup;
        _sessionGroup = sessionGroup;
    }

    /// <summary>A bus instance in this namespace, as <see cref="BusBroker.ConnectAsync"/> connects one.</summary>
    public async Task<AgentBusClient> ConnectAsync(string? instanceId = null, Action<AgentBusOptions>? configure = null)
    {
        var bus = await _broker.ConnectAsync(instanceId, options =>
        {
            options.ParentTopic = _parentTopic;
            options.ConsumerGroup = _consumerGroup;
            options.SessionGroup = _sessionGroup;
            configure?.Invoke(options);
        });
        return _buses.Add(bus);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _buses.DisposeAllAsync();
    }
}
