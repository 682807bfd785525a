namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>
/// All interop tests share one collection: they run one at a time (each starts a broker and a Node.js process,
/// and timing-sensitive scenarios should not compete for the CPU), after one <c>npm ci</c>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class InteropCollection : ICollectionFixture<NodeInstallFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "Interop";
}

/// <summary>Checks for Node.js and installs the scenario package before the first interop test.</summary>
public sealed class NodeInstallFixture : IAsyncLifetime
{
    /// <inheritdoc />
    public Task InitializeAsync() => NodeTooling.PrepareAsync();

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;
}
