using AgentBus.Broker;
using AgentBus.Server.Auth;
using AgentBus.Server.Clients;
using AgentBus.Server.Hosting;
using AgentBus.Server.Limits;
using AgentBus.Server.Metrics;
using AgentBus.Server.Services;
using AgentBus.Server.Services.Admin;
using AgentBus.Server.Telemetry;
using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// In the namespace of IHostApplicationBuilder, as hosting integrations do, so `builder.AddAgentBusBroker()` needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>Adds the AgentBus broker server to an ASP.NET Core application.</summary>
public static class BrokerHostBuilderExtensions
{
    /// <summary>Configuration section of the engine options and of declared topics and groups.</summary>
    private const string BrokerSection = "Broker";

    /// <summary>The gRPC service name of the RocketMQ v5 messaging service, as health checks and reflection know it.</summary>
    internal static readonly string MessagingServiceName = Apache.Rocketmq.V2.MessagingService.Descriptor.FullName;

    /// <summary>The gRPC service name of the broker's admin API.</summary>
    internal static readonly string AdminServiceName = AgentBus.Protocol.Admin.AdminService.Descriptor.FullName;

    /// <summary>
    /// Registers the broker server: the engine options (section <c>Broker</c>, with declared <c>Topics</c> and
    /// <c>Groups</c>) and server options (section <c>Server</c>) bound from the builder's configuration, the engine's
    /// lifetime, Kestrel listening on <see cref="ServerOptions.Address"/>:<see cref="ServerOptions.Port"/> with HTTP/2
    /// (cleartext, or TLS with a certificate) — or on the configuration's <c>urls</c> (<c>--urls</c>,
    /// <c>ASPNETCORE_URLS</c>) when set — the RocketMQ v5 MessagingService and the AgentBus AdminService (both
    /// authenticated when <c>Server:Auth:Enabled</c>), gRPC health checks (per service name too), reflection and metrics,
    /// and, when <c>Server:Http:Enabled</c>, the operations listener (HTTP/1.1 health endpoints, Prometheus, the dashboard).
    /// Keys of the <c>Server</c> and <c>Broker</c> sections that no option binds are refused. Map the services with
    /// <see cref="Microsoft.AspNetCore.Builder.BrokerEndpointRouteBuilderExtensions.MapAgentBusBroker"/>.
    /// </summary>
    /// <param name="builder">A web application builder (the broker needs Kestrel).</param>
    /// <param name="configureBroker">Applied to the engine options after configuration binding.</param>
    /// <param name="configureServer">Applied to the server options after configuration binding.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The configured server options are invalid, a key of the <c>Server</c> or
    /// <c>Broker</c> section is unknown (the message names it), or <c>urls</c> names an address the broker cannot serve.</exception>
    /// <example>
    /// <code>
    /// var builder = WebApplication.CreateBuilder(args);
    /// builder.AddAgentBusBroker(broker => broker.DataDirectory = "/var/lib/agentbus");
    /// var app = builder.Build();
    /// app.MapAgentBusBroker();
    /// await app.RunAsync();
    /// </code>
    /// </example>
    public static IHostApplicationBuilder AddAgentBusBroker(this IHostApplicationBuilder builder, Action<BrokerOptions>? configureBroker = null,
        Action<ServerOptions>? configureServer = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        DemoteClientDisconnects(services);

        // Fail at once on bad configuration rather than at the first resolution of the options: a misspelt key, a
        // value out of range, a listen URL the broker cannot serve, a permission that does not bind.
        ConfigurationKeyCheck.ThrowOnUnknownKeys(configuration.GetSection(ServerOptions.SectionName), typeof(ServerOptions));
        ConfigurationKeyCheck.ThrowOnUnknownKeys(configuration.GetSection(BrokerSection), typeof(BrokerOptions), typeof(ResourceDeclarations));
        var serverSection = configuration.GetSection(ServerOptions.SectionName);
        var authSection = serverSection.GetSection(nameof(ServerOptions.Auth));
        if (AuthSectionReader.Lost(authSection) is { } lost)
        {
            throw new ArgumentException($"Server:Auth cannot be read: {lost}", nameof(builder));
        }

        var configured = serverSection.Get<ServerOptions>() ?? new ServerOptions();
        configureServer?.Invoke(configured);
        configured.Validate();
        var urls = ListenUrls.FromConfiguration(configuration, configured);
        if (urls is not null)
        {
            // The broker binds the URLs itself (KestrelSetup), beside its operations listener; the host's copy of them
            // would make Kestrel warn that it overrides them.
            services.AddSingleton<IStartupFilter, ListenUrls.HostAddressesRemover>();
        }

        // Bound once, without a change token: the server options are read at start (only Server:Auth is re-read, below),
        // and re-validating them on a configuration change would throw into the configuration's file watcher.
        services.AddOptions<ServerOptions>().Configure(options => serverSection.Bind(options))
            .Configure(options => configureServer?.Invoke(options))
            .Validate(options =>
            {
                options.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddOptions<BrokerOptions>().Bind(configuration.GetSection(BrokerSection)).Configure(options => configureBroker?.Invoke(options));
        services.AddOptions<ResourceDeclarations>().Bind(configuration.GetSection(BrokerSection));

        // Listener, TLS and transport from the bound options, so changes made in code apply too. An explicit
        // certificate needs no UseKestrelHttpsConfiguration (that loads HTTPS from the Kestrel section), so an empty
        // builder (UseKestrelCore) serves TLS as it is.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ServerOptions>, AgentBus.Server.Http.OperationsListener>((kestrel, options, operations) =>
            KestrelSetup.Configure(kestrel, options.Value, urls, operations));
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<ServerOptions>>((sockets, options) =>
        {
            sockets.UnsafePreferInlineScheduling = options.Value.InlineScheduling;
            sockets.WaitForDataBeforeAllocatingBuffer = options.Value.WaitForDataBeforeAllocatingBuffer;
        });

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ClientRegistry>();
        services.AddSingleton<TelemetryHub>();
        services.AddSingleton<BrokerMetrics>();
        services.AddSingleton<EngineMetrics>();
        services.AddSingleton<LimitMetrics>();
        services.AddHostedService<InstrumentsActivation>();
        OwnMetersOnly.AddTo(services);
        services.AddSingleton<BrokerEngineHost>();
        BrokerOtlpSetup.AddWhenEnabled(services, configured.Telemetry.Otlp, configured.BrokerName);
        services.AddHostedService(provider => provider.GetRequiredService<BrokerEngineHost>());

        services.AddRouting();
        services.AddGrpc();
        // Stateless over singletons: one instance serves every call instead of one activation per call.
        services.AddSingleton<MessagingService>();
        // ReceiveMessage is bound with the broker's own response encoder (see ReceiveMethodProvider).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Grpc.AspNetCore.Server.Model.IServiceMethodProvider<MessagingService>, ReceiveMethodProvider>());
        // The message stream's frames are read with the broker's own send decoder (see MessageStreamMethodProvider).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Grpc.AspNetCore.Server.Model.IServiceMethodProvider<MessageStreamService>, MessageStreamMethodProvider>());
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<BrokerOptions>, IOptions<ServerOptions>>((grpc, broker, options) =>
        {
            // Room above the body limit, so an oversized message reaches the engine and gets MESSAGE_BODY_TOO_LARGE.
            grpc.MaxReceiveMessageSize = options.Value.MaxReceiveMessageSize
                ?? (int)Math.Min(int.MaxValue, (2L * broker.Value.MaxMessageBodySize) + broker.Value.MaxPropertiesSize + (1 << 20));
            grpc.EnableDetailedErrors = false;
        });
        // Health per service name as well as the server's (""), so a probe can ask for the service it uses.
        services.AddGrpcHealthChecks().AddCheck<BrokerHealthCheck>(BrokerHealthCheck.Name);
        services.AddOptions<GrpcHealthChecksOptions>().Configure<IOptions<ServerOptions>>((health, options) =>
        {
            health.Services.Map(MessagingServiceName, check => check.Name == BrokerHealthCheck.Name);
            if (options.Value.EnableAdminService)
            {
                health.Services.Map(AdminServiceName, check => check.Name == BrokerHealthCheck.Name);
            }
        });
        // Reflection lets grpcurl and other tools list and call the services without the .proto files (Server:EnableReflection).
        services.AddGrpcReflection();

        services.AddSingleton<AdminService>();
        services.AddSingleton<MessageStreamService>();

        // Authentication guards the MessagingService and the AdminService (health checks stay open), and costs nothing when off.
        // The auth section is also read on its own, through IOptionsMonitor, so users and permissions change without a restart.
        services.AddOptions<ServerAuthOptions>().Configure(auth => ReadAuth(auth, authSection, configureServer));
        services.AddSingleton<IOptionsChangeTokenSource<ServerAuthOptions>>(new ConfigurationChangeTokenSource<ServerAuthOptions>(authSection));
        services.AddSingleton<AccessPolicyMonitor>();
        services.AddSingleton<Authorizer>();
        services.AddSingleton<CredentialVerifier>();
        services.AddSingleton<AuthInterceptor>();
        // Per-call limits first: a call too large or too many is refused before its signature is even checked.
        services.AddSingleton<PendingReceives>();
        services.AddSingleton<CallLimitInterceptor>();
        services.AddOptions<GrpcServiceOptions<MessagingService>>().Configure(grpc => grpc.Interceptors.Add<CallLimitInterceptor>());
        services.AddOptions<GrpcServiceOptions<MessageStreamService>>().Configure(grpc => grpc.Interceptors.Add<CallLimitInterceptor>());
        AuthenticateWhenEnabled<MessagingService>(services);
        AuthenticateWhenEnabled<MessageStreamService>(services);
        AuthenticateWhenEnabled<AdminService>(services);

        // Health, Prometheus and the dashboard over HTTP/1.1 on a port of their own (Server:Http).
        AgentBus.Server.Http.OperationsEndpoints.AddOperations(services, configured);
        return builder;
    }

    /// <summary>
    /// Binds the auth section and applies the code's server configuration to it. A value that does not bind is
    /// recorded rather than thrown: this also runs when the file changes, where a throw would escape into the file
    /// watcher; <see cref="AccessPolicyMonitor"/> then keeps the previous policy.
    /// </summary>
    private static void ReadAuth(ServerAuthOptions auth, IConfigurationSection section, Action<ServerOptions>? configureServer)
    {
        auth.LoadError = AuthSectionReader.Bind(section, auth);
        configureServer?.Invoke(new ServerOptions { Auth = auth });
    }

    private static void AuthenticateWhenEnabled<TService>(IServiceCollection services)
        where TService : class =>
        services.AddOptions<GrpcServiceOptions<TService>>().Configure<IOptions<ServerOptions>>((grpc, options) =>
        {
            if (options.Value.Auth.Enabled)
            {
                grpc.Interceptors.Add<AuthInterceptor>();
            }
        });

    /// <summary>
    /// Wraps the application's logger factory so a client's disconnect is not logged as a broker error
    /// (<see cref="AgentBus.Server.Logging.ClientDisconnectLogFilter"/>); a factory that already does (the embedded broker's) is kept.
    /// </summary>
    private static void DemoteClientDisconnects(IServiceCollection services)
    {
        var registered = services.LastOrDefault(static d => d.ServiceType == typeof(ILoggerFactory) && !d.IsKeyedService);
        if (registered is null || AgentBus.Server.Logging.ClientDisconnectLogFilter.IsWrapped(registered.ImplementationInstance))
        {
            return;
        }

        services.Remove(registered);
        if (registered.ImplementationInstance is ILoggerFactory instance)
        {
            services.AddSingleton(AgentBus.Server.Logging.ClientDisconnectLogFilter.Wrap(instance));
        }
        else if (registered.ImplementationFactory is { } factory)
        {
            services.AddSingleton(sp => AgentBus.Server.Logging.ClientDisconnectLogFilter.Own((ILoggerFactory)factory(sp)));
        }
        else if (registered.ImplementationType == typeof(LoggerFactory))
        {
            // AddLogging's own registration, built as the container would build it.
            services.AddSingleton(sp => AgentBus.Server.Logging.ClientDisconnectLogFilter.Own(new LoggerFactory(sp.GetServices<ILoggerProvider>(),
                sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(), sp.GetService<IOptions<LoggerFactoryOptions>>(), sp.GetService<IExternalScopeProvider>())));
        }
        else
        {
            var type = registered.ImplementationType!;
            services.AddSingleton(sp => AgentBus.Server.Logging.ClientDisconnectLogFilter.Own((ILoggerFactory)ActivatorUtilities.CreateInstance(sp, type)));
        }
    }
}
