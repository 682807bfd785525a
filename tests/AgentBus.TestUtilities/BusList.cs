namespace AgentBus.TestUtilities;

/// <summary>The buses a test broker or a test's scope connected, stopped together when it ends.</summary>
internal sealed class BusList
{
    private readonly List<AgentBusClient> _buses = [];

    /// <summary>Remembers <paramref name="bus"/> and returns it.</summary>
    public AgentBusClient Add(AgentBusClient bus)
    {
        lock (_buses)
        {
            _buses.Add(bus);
        }

        return bus;
    }

    /// <summary>Stops every bus added so far.</summary>
    public async ValueTask DisposeAllAsync()
    {
        List<AgentBusClient> buses;
        lock (_buses)
        {
            buses = [.. _buses];
        }

        foreach (var bus in buses)
        {
            await bus.DisposeAsync();
        }
    }
}
