using AgentBus.Server;
using AgentBus.Server.Hosting;
using AgentBus.Server.Metrics;
using AgentBus.Server.Services;
using AgentBus.Server.Services.Admin;
using Microsoft.Extensions.Options;

// In the namespace of the ASP.NET Core endpoint extensions, as grpc-dotnet's MapGrpcService is.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the AgentBus broker's gRPC services.</summary>
public static class BrokerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the RocketMQ v5 MessagingService, the AgentBus AdminService (<c>agentbus.v1</c>, unless
    /// <see cref="ServerOptions.EnableAdminService"/> is off), gRPC server reflection (unless
    /// <see cref="ServerOptions.EnableReflection"/> is off) and the gRPC health service registered by
    /// <see cref="Microsoft.Extensions.Hosting.BrokerHostBuilderExtensions.AddAgentBusBroker"/>, the operations listener's
    /// endpoints when <c>Server:Http:Enabled</c> (<c>/healthz/live</c>, <c>/healthz/ready</c>, <c>/metrics</c>, and
    /// <c>/dashboard</c> with <c>Server:Http:Dashboard</c>), and logs the listening endpoints once the server runs.
    /// </summary>
    /// <param name="endpoints">The application's endpoint route builder (the built <see cref="WebApplication"/>).</param>
    /// <returns>A builder for conventions applied to the services' endpoints.</returns>
    /// <exception cref="InvalidOperationException">The broker was not added to the application's services.</exception>
    public static IEndpointConventionBuilder MapAgentBusBroker(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        if (services.GetService<BrokerEngineHost>() is null)
        {
            throw new InvalidOperationException("The AgentBus broker is not registered: call builder.AddAgentBusBroker() before building the application.");
        }

        var options = services.GetRequiredService<IOptions<ServerOptions>>().Value;
        List<IEndpointConventionBuilder> mapped = [endpoints.MapGrpcService<MessagingService>(), endpoints.MapGrpcHealthChecksService()];
        if (options.EnableAdminService)
        {
            mapped.Add(endpoints.MapGrpcService<AdminService>());
        }

        if (options.EnableMessageStream)
        {
            mapped.Add(endpoints.MapGrpcService<MessageStreamService>());
        }

        if (options.EnableReflection)
        {
            mapped.Add(endpoints.MapGrpcReflectionService());
        }

        var conventions = new CompositeConventionBuilder([.. mapped]);
        // Health, Prometheus and the dashboard, on the operations listener only (not part of the returned conventions).
        AgentBus.Server.Http.OperationsEndpoints.MapOperations(endpoints, options);
        // Resolved eagerly so the meter exists before the first call, and configuration changes of Server:Auth are
        // followed from the start.
        services.GetRequiredService<BrokerMetrics>();
        if (options.Auth.Enabled)
        {
            services.GetRequiredService<AgentBus.Server.Auth.AccessPolicyMonitor>();
        }

        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentBus.Server");
            foreach (string address in ServerAddresses.Of(services))
            {
                ServerLog.Listening(logger, address, options.Tls.Enabled ? "over TLS" : "cleartext", options.Auth.Enabled ? "on" : "off");
            }
        });
        return conventions;
    }

    private sealed class CompositeConventionBuilder(params IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
