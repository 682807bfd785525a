// The standalone broker: dotnet run -c Release --project src/AgentBus.Server.Host
//
// Runs until Ctrl+C or SIGTERM. Configuration comes from appsettings.json, AGENTBUS_-prefixed environment variables
// (AGENTBUS_Server__Port=9000) and command-line arguments (--Server:Port=9000), in increasing precedence; --urls
// (or ASPNETCORE_URLS) replaces Server:Address and Server:Port. A configuration mistake (an unknown key, a value out
// of range) ends the process at once with one line on stderr and exit code 2; a refused start (damaged state files,
// a port in use, a data folder that cannot be opened), with one line and exit code 1.
using AgentBus.Broker.Errors;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddEnvironmentVariables("AGENTBUS_");
builder.Configuration.AddCommandLine(args);
try
{
    builder.AddAgentBusBroker();
}
catch (ArgumentException ex)
{
    // The message names the key and what is expected; a stack trace would bury it.
    string message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
    await Console.Error.WriteLineAsync($"agentbus: configuration error: {message}").ConfigureAwait(false);
    return 2;
}

// A broker that refuses to start (damaged state files, lost log data, a data directory in use) says why in one line
// below; the generic host would log the same exception again with its stack trace. The broker's own background work
// logs its failures itself.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

await using var app = builder.Build();
app.MapAgentBusBroker();
try
{
    try
    {
        await app.StartAsync().ConfigureAwait(false);
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
    {
        // The port is taken or the data folder cannot be opened: say so plainly rather than as an unhandled exception.
        await Console.Error.WriteLineAsync($"agentbus: the broker could not start: {ex.Message}").ConfigureAwait(false);
        return 1;
    }

    await app.WaitForShutdownAsync().ConfigureAwait(false);
    return 0;
}
catch (BrokerException refused)
{
    await Console.Error.WriteLineAsync(refused.Message).ConfigureAwait(false);
    return 1;
}
