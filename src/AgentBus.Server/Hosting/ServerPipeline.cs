using System.Net;
using AgentBus.Broker;
using AgentBus.Server.Auth;
using AgentBus.Server.Clients;
using AgentBus.Server.Consumption;
using AgentBus.Server.Metrics;
using AgentBus.Server.Services;
using AgentBus.Server.Telemetry;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Hosting;

/// <summary>
/// The server pipeline shared by the standalone host and <see cref="Embedded.EmbeddedBroker"/>: configuration
/// binding, the engine's lifetime, Kestrel on HTTP/2 (cleartext, or TLS with a certificate), the MessagingService
/// (authenticated when <c>Server:Auth:Enabled</c>), health checks and metrics.
/// </summary>
public static class ServerPipeline
{
    /// <summary>Configuration section of the engine options and of declared topics and groups.</summary>
    public const string BrokerSection = "Broker";

    /// <summary>Registers every service of the broker server and configures Kestrel.</summary>
    /// <param name="builder">The application builder; its configuration supplies sections <c>Broker</c> and <c>Server</c>.</param>
    /// <param name="configureBroker">Applied to the engine options after configuration binding.</param>
    public static void Configure(WebApplicationBuilder builder, Action<BrokerOptions>? configureBroker = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;

        var server = configuration.GetSection(ServerOptions.SectionName).Get<ServerOptions>() ?? new ServerOptions();
        server.Validate();
        services.AddOptions<ServerOptions>().Bind(configuration.GetSection(ServerOptions.SectionName))
            .Validate(options =>
            {
                options.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddOptions<BrokerOptions>().Bind(configuration.GetSection(BrokerSection)).Configure(options => configureBroker?.Invoke(options));
        services.AddOptions<ResourceDeclarations>().Bind(configuration.GetSection(BrokerSection));

        // Listener and TLS from the bound options, so changes made in code (the embedded broker's) apply too. An
        // explicit certificate needs no UseKestrelHttpsConfiguration (that loads HTTPS from the Kestrel section), so the
        // embedded broker's empty builder (UseKestrelCore) serves TLS as it is.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ServerOptions>>((kestrel, options) => ConfigureKestrel(kestrel, options.Value));

        if (server.InlineScheduling)
        {
            builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ClientRegistry>();
        services.AddSingleton<TelemetryHub>();
        services.AddSingleton<ReceiptRenewer>();
        services.AddSingleton(provider => new ReceiveAttempts(provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BrokerMetrics>();
        services.AddSingleton<BrokerEngineHost>();
        services.AddHostedService(provider => provider.GetRequiredService<BrokerEngineHost>());
        services.AddHostedService<MaintenanceService>();

        services.AddRouting();
        services.AddGrpc();
        // Stateless over singletons: one instance serves every call instead of one activation per call.
        services.AddSingleton<MessagingService>();
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<BrokerOptions>, IOptions<ServerOptions>>((grpc, broker, options) =>
        {
            // Room above the body limit, so an oversized message reaches the engine and gets MESSAGE_BODY_TOO_LARGE.
            grpc.MaxReceiveMessageSize = options.Value.MaxReceiveMessageSize
                ?? (int)Math.Min(int.MaxValue, (2L * broker.Value.MaxMessageBodySize) + broker.Value.MaxPropertiesSize + (1 << 20));
            grpc.EnableDetailedErrors = false;
        });
        services.AddGrpcHealthChecks().AddCheck<BrokerHealthCheck>("broker");

        // Authentication guards the MessagingService only (health checks stay open), and costs nothing when off.
        services.AddSingleton<CredentialVerifier>();
        services.AddSingleton<AuthInterceptor>();
        services.AddOptions<GrpcServiceOptions<MessagingService>>().Configure<IOptions<ServerOptions>>((grpc, options) =>
        {
            if (options.Value.Auth.Enabled)
            {
                grpc.Interceptors.Add<AuthInterceptor>();
            }
        });
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, ServerOptions server)
    {
        var certificate = server.Tls.LoadCertificate();
        kestrel.Listen(IPAddress.Parse(server.Address), server.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (certificate is not null)
            {
                // HTTP/2 over TLS: with HTTP/2 as the only protocol, ALPN offers h2 alone.
                listen.UseHttps(certificate);
            }
        });
        // Long-lived streams from many clients, and batches of messages on one connection.
        kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
        kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
        kestrel.Limits.MinRequestBodyDataRate = null;
    }

    /// <summary>Maps the gRPC services and logs the listening endpoint once the server runs.</summary>
    /// <param name="app">The built application.</param>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<MessagingService>();
        app.MapGrpcHealthChecksService();
        // Resolve eagerly so the meter exists before the first call.
        app.Services.GetRequiredService<BrokerMetrics>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentBus.Server");
            var options = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
            foreach (string address in ListeningAddresses(app))
            {
                ServerLog.Listening(logger, address, options.Tls.Enabled ? "over TLS" : "cleartext", options.Auth.Enabled ? "on" : "off");
            }
        });
    }

    /// <summary>The addresses the server listens on (with the actual port when port 0 was configured).</summary>
    /// <param name="app">The started application.</param>
    /// <returns>Addresses such as <c>http://127.0.0.1:8081</c> (<c>https://</c> with TLS).</returns>
    public static IReadOnlyList<string> ListeningAddresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var feature = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        return feature is null ? [] : [.. feature.Addresses];
    }
}
