using AgentBus;
using AgentBus.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the agent bus to an application's services.</summary>
public static class AgentBusServiceCollectionExtensions
{
    /// <summary>
    /// Adds the agent bus with options bound from <paramref name="configuration"/> (a section such as
    /// <c>AgentBus</c>: <c>Endpoints</c> or <c>Embedded</c>, <c>InstanceId</c>, <c>ParentTopic</c>,
    /// <c>MaxConcurrency</c>...), then <paramref name="configure"/>. The bus and its agents start with the host.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration section; null binds nothing.</param>
    /// <param name="configure">Changes the options in code.</param>
    /// <returns>A builder to register agents with.</returns>
    public static AgentBusBuilder AddAgentBus(this IServiceCollection services, IConfiguration? configuration = null, Action<AgentBusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AgentBusOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentBusOptions>, AgentBusOptionsValidator>();
        services.AddSingleton<AgentBusHost>();
        services.AddHostedService(provider => provider.GetRequiredService<AgentBusHost>());
        services.AddSingleton(provider => provider.GetRequiredService<AgentBusHost>().Client);
        return new AgentBusBuilder(services);
    }

    /// <summary>Adds the agent bus configured in code only.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to register agents with.</returns>
    public static AgentBusBuilder AddAgentBus(this IServiceCollection services, Action<AgentBusOptions> configure) =>
        services.AddAgentBus(configuration: null, configure);
}
