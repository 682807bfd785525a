using AgentBus.Server.Hosting;

// Standalone broker: configuration from appsettings.json, AGENTBUS_-prefixed environment variables
// (AGENTBUS_Server__Port=9000) and command-line arguments (--Server:Port=9000), in increasing precedence.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddEnvironmentVariables("AGENTBUS_");
builder.Configuration.AddCommandLine(args);
ServerPipeline.Configure(builder);

var app = builder.Build();
ServerPipeline.Map(app);
await app.RunAsync();
