using System.Net;
using AgentBus;
using GatewayDemo.Gateway;

namespace GatewayDemo;

/// <summary>
/// The HTTP gateway: one web application per gateway instance, in front of agents on the bus. Its bus (and so its
/// AgentBus instance id and reply topic) is given by the caller, which owns it.
/// </summary>
public static class GatewayApp
{
    /// <summary>The response header naming the gateway instance that served the request (its AgentBus instance id).</summary>
    public const string InstanceHeader = "X-Gateway-Instance";

    /// <summary>The response header carrying the bus request id of an ask or a stream.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>
    /// Builds the gateway on Kestrel at <c>http://127.0.0.1:{--port}</c> (port 0 picks a free one: read it from
    /// <c>app.Urls</c> after start). Endpoints: <c>POST /agents/{agent}/ask</c>, <c>GET|POST /agents/{agent}/stream</c>
    /// (server-sent events, resumable with <c>Last-Event-ID</c>), <c>GET /</c>.
    /// </summary>
    /// <param name="args">The command line (<see cref="DemoOptions"/>: <c>--port</c>, <c>--timeout-ms</c>, <c>--require-live-agent</c>).</param>
    /// <param name="bus">The connected bus this instance asks through; the caller disposes it after the application.</param>
    /// <param name="configure">Further changes to the builder (logging, say) before it is built.</param>
    /// <returns>The application, not started.</returns>
    /// <exception cref="ArgumentException">A malformed argument.</exception>
    public static WebApplication Build(string[] args, AgentBusClient bus, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var options = DemoOptions.Parse(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(GatewayApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(bus);
        builder.Services.AddSingleton<StreamRelays>();
        builder.Services.AddSingleton<GatewayAgentHost>();
        builder.Services.AddHostedService(services => services.GetRequiredService<GatewayAgentHost>());
        builder.Services.AddProblemDetails();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use((context, next) =>
        {
            context.Response.Headers[InstanceHeader] = bus.InstanceId;
            return next(context);
        });
        app.MapGet("/", () => TypedResults.Ok(new { instance = bus.InstanceId, replyTopic = LiteTopicNames.ForInstance(bus.InstanceId) }));
        app.MapPost("/agents/{agent}/ask", AskEndpoint.HandleAsync);
        app.MapMethods("/agents/{agent}/stream", [HttpMethods.Get, HttpMethods.Post], StreamEndpoint.HandleAsync);
        return app;
    }
}
