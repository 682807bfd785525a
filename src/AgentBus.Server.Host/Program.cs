// The standalone broker: dotnet run -c Release --project src/AgentBus.Server.Host
//
// Runs until Ctrl+C or SIGTERM. Configuration comes from appsettings.json, AGENTBUS_-prefixed environment variables
// (AGENTBUS_Server__Port=9000) and command-line arguments (--Server:Port=9000), in increasing precedence.
using AgentBus.Broker.Errors;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddEnvironmentVariables("AGENTBUS_");
builder.Configuration.AddCommandLine(args);
builder.AddAgentBusBroker();
// A broker that refuses to start (damaged state files, lost log data, a data directory in use) says why in one line
// below; the generic host would log the same exception again with its stack trace. The broker's own background work
// logs its failures itself.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

var app = builder.Build();
app.MapAgentBusBroker();
try
{
    await app.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (BrokerException refused)
{
    await Console.Error.WriteLineAsync(refused.Message).ConfigureAwait(false);
    return 1;
}
