using AgentBus.Broker;
using AgentBus.Client.Configuration;
using AgentBus.Client.Tests.Infrastructure;
using AgentBus.Server.Hosting;
using Xunit.Abstractions;

namespace AgentBus.Client.Tests.Faults;

/// <summary>
/// The real broker with a <see cref="FaultProxy"/> in front of it: <see cref="Proxied"/> builds clients that reach
/// the broker only through the proxy (the broker's routes echo the endpoint a client asked with, so every call goes
/// there), <see cref="Broker"/>'s own provider builds clients that watch from the side.
/// </summary>
internal sealed class FaultSetup : IAsyncDisposable
{
    /// <summary>The proxied clients' request timeout: short, so a silent fault is noticed within seconds, with room for a busy machine.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private static readonly Lock WarmUpGate = new();
    private static Task? s_warmUp;

    private FaultSetup(TestBroker broker, FaultProxy proxy)
    {
        Broker = broker;
        Proxy = proxy;
        Proxied = new ClientServiceProvider(new ClientConfiguration
        {
            Endpoints = proxy.Endpoint,
            RequestTimeout = RequestTimeout,
            LoggerFactory = broker.LoggerFactory,
        });
    }

    public TestBroker Broker { get; }

    public FaultProxy Proxy { get; }

    public ClientServiceProvider Proxied { get; }

    public static async Task<FaultSetup> StartAsync(ITestOutputHelper output, Action<BrokerOptions>? configure = null,
        Action<ServerOptions>? configureServer = null)
    {
        var broker = await TestBroker.StartForClientsAsync(output, configure, configureServer);
        // A connection cut while a request is still arriving is a client's disconnect, not a broker error: nothing is
        // admitted past the broker's no-unexpected-errors check (ClientDisconnectLogFilter demotes it to Debug).
        broker.CreateLiteParent();
        // The process's first client pays for compiling the gRPC stack, which can pass the short timeout on a busy
        // machine: one client on the broker's 3 s timeout takes that cost first, and every setup waits for it.
        Task warmUp;
        lock (WarmUpGate)
        {
            warmUp = s_warmUp ??= WarmUpAsync(broker);
        }

        await warmUp;
        return new FaultSetup(broker, FaultProxy.Start(broker.Port));
    }

    private static async Task WarmUpAsync(TestBroker broker)
    {
        await using var producer = await broker.Provider.NewProducerBuilder().SetTopics(Scenario.Parent).BuildAsync();
    }

    /// <summary>The messages stored in a lite topic, oldest first.</summary>
    public IReadOnlyList<Broker.Messages.MessageRecord> Stored(string liteTopic) =>
        Broker.Engine.PeekLiteTopic(Scenario.Parent, liteTopic, 0, 1000).Messages;

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
