// The standalone broker: dotnet run -c Release --project src/AgentBus.Server.Host
//
// Runs until Ctrl+C or SIGTERM. Configuration comes from appsettings.json, AGENTBUS_-prefixed environment variables
// (AGENTBUS_Server__Port=9000) and command-line arguments (--Server:Port=9000), in increasing precedence.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddEnvironmentVariables("AGENTBUS_");
builder.Configuration.AddCommandLine(args);
builder.AddAgentBusBroker();

var app = builder.Build();
app.MapAgentBusBroker();
await app.RunAsync().ConfigureAwait(false);
