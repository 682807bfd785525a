using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace AgentBus.TestUtilities;

/// <summary>
/// One broker shared by the tests of a class (<c>IClassFixture&lt;…&gt;</c> of a subclass), for tests that need a
/// broker but not a fresh one: each uses topics, groups, lite topics and agent names of its own, and none changes
/// options, restarts the broker or counts what the whole broker holds. An unexpected error the broker logged fails
/// the class when the fixture is disposed.
/// </summary>
/// <typeparam name="TBroker">The kind of broker.</typeparam>
public abstract class SharedBroker<TBroker> : IAsyncLifetime
    where TBroker : class, IAsyncDisposable
{
    private TBroker? _broker;

    /// <summary>The running broker.</summary>
    public TBroker Broker => _broker ?? throw new InvalidOperationException("The shared broker is not started.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _broker = await StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        try
        {
            if (_broker is not null)
            {
                await _broker.DisposeAsync();
            }
        }
        finally
        {
            Stopped();
        }
    }

    /// <summary>Starts the broker the class shares.</summary>
    protected abstract Task<TBroker> StartAsync();

    /// <summary>Releases what the broker needed while it ran (called after it stopped, or failed to start).</summary>
    protected virtual void Stopped()
    {
    }
}

/// <summary>A <see cref="TestBroker"/> with default options, shared by a class.</summary>
public sealed class SharedTestBroker : SharedBroker<TestBroker>
{
    /// <inheritdoc />
    protected override Task<TestBroker> StartAsync() => TestBroker.StartAsync();
}

/// <summary>As <see cref="SharedTestBroker"/>, capturing the broker's log from Debug up, for tests that look at what it logged.</summary>
public sealed class SharedDebugLogTestBroker : SharedBroker<TestBroker>
{
    /// <inheritdoc />
    protected override Task<TestBroker> StartAsync() => TestBroker.StartAsync(minimumLogLevel: LogLevel.Debug);
}

/// <summary>As <see cref="SharedTestBroker"/>, for tests of clients: the broker <see cref="TestBroker.StartForClientsAsync"/> starts.</summary>
public sealed class SharedClientTestBroker : SharedBroker<TestBroker>
{
    /// <inheritdoc />
    protected override Task<TestBroker> StartAsync() => TestBroker.StartForClientsAsync();
}

/// <summary>As <see cref="SharedTestBroker"/>, for tests of the agent layer: one <see cref="BusBroker"/> with the bus's resources declared.</summary>
public sealed class SharedBusBroker : SharedBroker<BusBroker>
{
    /// <inheritdoc />
    protected override Task<BusBroker> StartAsync() => BusBroker.StartAsync();
}

/// <summary>
/// As <see cref="SharedTestBroker"/>, serving TLS with a self-signed certificate of its own (which the broker's
/// channels and clients trust), for tests of what a TLS broker serves and refuses.
/// </summary>
public sealed class SharedTlsTestBroker : SharedBroker<TestBroker>
{
    private readonly X509Certificate2 _certificate = TestCertificates.SelfSigned();

    /// <inheritdoc />
    protected override Task<TestBroker> StartAsync() => TestBroker.StartAsync(certificate: _certificate);

    /// <inheritdoc />
    protected override void Stopped() => _certificate.Dispose();
}
