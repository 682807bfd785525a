using Microsoft.Extensions.Logging;

namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>
/// A <see cref="TestBroker"/> configured for one scenario: auto-creation off, the scenario's broker options and users
/// applied and its topics and groups created, every line from Information up captured.
/// </summary>
internal static class InteropBroker
{
    /// <summary>
    /// Starts the broker. <paramref name="createResources"/> is false when restarting on a data directory that
    /// already holds the definitions: they must come back from disk.
    /// </summary>
    public static async Task<TestBroker> StartAsync(ScenarioResources resources, string? dataDirectory = null, bool createResources = true)
    {
        var broker = await TestBroker.StartAsync(
            configure: options =>
            {
                // Scenarios must declare what they use, and definitions must survive restarts on their own.
                options.AutoCreate = false;
                resources.ApplyTo(options);
            },
            configureServer: resources.ApplyTo,
            dataDirectory: dataDirectory,
            minimumLogLevel: LogLevel.Information);
        try
        {
            if (createResources)
            {
                resources.CreateIn(broker.Engine.Topics);
            }

            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }
}
