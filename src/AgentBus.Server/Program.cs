using AgentBus.Server.Hosting;

namespace AgentBus.Server;

/// <summary>The standalone broker: <c>dotnet run -c Release --project src/AgentBus.Server</c>.</summary>
internal static class Program
{
    /// <summary>
    /// Runs the broker until Ctrl+C or SIGTERM. Configuration comes from appsettings.json, AGENTBUS_-prefixed
    /// environment variables (<c>AGENTBUS_Server__Port=9000</c>) and command-line arguments
    /// (<c>--Server:Port=9000</c>), in increasing precedence.
    /// </summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>A task that completes when the broker has stopped.</returns>
    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("AGENTBUS_");
        builder.Configuration.AddCommandLine(args);
        ServerPipeline.Configure(builder);

        var app = builder.Build();
        ServerPipeline.Map(app);
        await app.RunAsync().ConfigureAwait(false);
    }
}
