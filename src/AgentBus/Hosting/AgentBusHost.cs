using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentBus.Hosting;

/// <summary>
/// Starts the bus and the registered agents with the host, and stops them with it: agents first (running handlers
/// finish, messages not started go back to the broker for another replica), then the connection.
/// </summary>
internal sealed class AgentBusHost(IOptions<AgentBusOptions> options, IEnumerable<AgentRegistration> registrations, IServiceProvider services,
    ILoggerFactory loggerFactory, TimeProvider? time = null) : IHostedService, IAsyncDisposable
{
    private readonly Dictionary<string, Agent> _agents = new(StringComparer.Ordinal);
    private AgentBusClient? _client;

    public AgentBusClient Client => _client ?? throw new InvalidOperationException("The agent bus has not started yet: it starts with the host.");

    public Agent Agent(string agentId) =>
        _agents.TryGetValue(agentId, out var agent) ? agent : throw new InvalidOperationException($"Agent '{agentId}' has not started yet: it starts with the host.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        settings.LoggerFactory ??= loggerFactory;
        if (time is not null)
        {
            settings.TimeProvider = time;
        }

        _client = await AgentBusClient.ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
        foreach (var registration in registrations)
        {
            if (_agents.ContainsKey(registration.AgentId))
            {
                throw new InvalidOperationException($"Agent '{registration.AgentId}' is registered twice.");
            }

            _agents[registration.AgentId] = await _client.CreateAgentAsync(registration.AgentId, registration.Handler(services), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var agent in _agents.Values)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }

        if (_client is { } client)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
