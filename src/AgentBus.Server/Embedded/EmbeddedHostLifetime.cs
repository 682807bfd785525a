namespace AgentBus.Server.Embedded;

/// <summary>
/// The embedded broker's host lifetime: none of its own. The application that embeds the broker owns the process's
/// signals (Ctrl+C, SIGTERM) and stops the broker by disposing it once its own work has drained; the default console
/// lifetime would stop the broker the moment a signal arrives, under the feet of the application's clients.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
