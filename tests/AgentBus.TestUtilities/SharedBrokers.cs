namespace AgentBus.TestUtilities;

/// <summary>
/// One <see cref="TestBroker"/> (as <see cref="TestBroker.StartAsync"/> starts it) shared by the tests of a class
/// (<c>IClassFixture&lt;SharedTestBroker&gt;</c>), for tests that need a broker but not a fresh one: each uses topics,
/// groups and lite topics of its own, and none changes options, restarts the broker or counts what the whole broker holds.
/// An unexpected error the broker logged fails the class when the fixture is disposed.
/// </summary>
public sealed class SharedTestBroker : IAsyncLifetime
{
    private TestBroker? _broker;

    /// <summary>The running broker.</summary>
    public TestBroker Broker => _broker ?? throw new InvalidOperationException("The shared broker is not started.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

/// <summary>As <see cref="SharedTestBroker"/>, for tests of clients: the broker <see cref="TestBroker.StartForClientsAsync"/> starts.</summary>
public sealed class SharedClientTestBroker : IAsyncLifetime
{
    private TestBroker? _broker;

    /// <summary>The running broker.</summary>
    public TestBroker Broker => _broker ?? throw new InvalidOperationException("The shared broker is not started.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _broker = await TestBroker.StartForClientsAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

/// <summary>
/// As <see cref="SharedTestBroker"/>, for tests of the agent layer: one <see cref="BusBroker"/> for the class. Its
/// tests use agent names of their own and dispose the buses they connect.
/// </summary>
public sealed class SharedBusBroker : IAsyncLifetime
{
    private BusBroker? _broker;

    /// <summary>The running broker with the bus's resources declared.</summary>
    public BusBroker Broker => _broker ?? throw new InvalidOperationException("The shared broker is not started.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _broker = await BusBroker.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
