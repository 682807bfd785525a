using System.Globalization;

namespace AgentBus.Benchmarks.Harness;

/// <summary>The broker of the agent scenarios (embedded, or --endpoint) with the agent layer's topic and groups, and buses on it.</summary>
internal static class AgentHarness
{
    public static async Task<ClientHarness> StartAsync(HarnessOptions options)
    {
        var harness = await ClientHarness.StartAsync(options);
        if (harness.Engine is { } engine)
        {
            BusResources.Declare(engine.Topics, Options(harness, options.Coalesce));
        }

        return harness;
    }

    /// <summary>Options of a bus on the harness broker, with the same send coalescing as the raw path.</summary>
    public static AgentBusOptions Options(ClientHarness harness, int coalesce) => new()
    {
        Endpoints = harness.Endpoint,
        ParentTopic = ClientHarness.Parent,
        SendCoalescing = coalesce,
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    public static string Micros(double value) => value.ToString("F0", CultureInfo.InvariantCulture);
}
