namespace AgentBus.Benchmarks.Harness;

/// <summary>
/// The broker of the agent scenarios (embedded, or --endpoint) with the agent layer's topic and groups, and buses on
/// it. A bus connects with <c>ConnectAsync</c>, not <c>StartEmbeddedAsync</c>: that one turns a send coalescing of 0
/// into 128, so "off" could not be measured.
/// </summary>
internal static class AgentHarness
{
    public static async Task<ClientHarness> StartAsync(HarnessOptions options)
    {
        var harness = await ClientHarness.StartAsync(options);
        if (harness.Engine is { } engine)
        {
            BusResources.Declare(engine.Topics, Options(harness, sendCoalescing: 0));
        }

        return harness;
    }

    /// <summary>A bus on the harness broker with the given send coalescing (the raw path uses the same).</summary>
    /// <remarks>With <paramref name="messageStream"/> off, its sends and acks use the MessagingService calls alone.</remarks>
    public static Task<AgentBusClient> ConnectAsync(ClientHarness harness, int sendCoalescing, bool messageStream = true) =>
        AgentBusClient.ConnectAsync(Options(harness, sendCoalescing, messageStream));

    private static AgentBusOptions Options(ClientHarness harness, int sendCoalescing, bool messageStream = true) => new()
    {
        Endpoints = harness.Endpoint,
        ParentTopic = ClientHarness.Parent,
        SendCoalescing = sendCoalescing,
        EnableMessageStream = messageStream,
    };
}
