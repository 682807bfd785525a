using System.Collections.Concurrent;
using AgentBus.Broker.Subscriptions;
using AgentBus.Protocol;
using AgentBus.Server.Hosting;
using Apache.Rocketmq.V2;
using Microsoft.Extensions.Options;

namespace AgentBus.Server.Telemetry;

/// <summary>
/// The open Telemetry stream of each client id, so the server can push commands to a client, for example a
/// <see cref="NotifyUnsubscribeLiteCommand"/> when exclusive mode gives one of its lite topics to another client.
/// A client that reconnects replaces its previous stream.
/// </summary>
internal sealed class TelemetryHub
{
    private readonly ConcurrentDictionary<string, ClientTelemetryStream> _sessions = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly ILogger<TelemetryHub> _logger;

    /// <summary>Creates an empty hub.</summary>
    /// <param name="options">Server options (queue capacity per stream).</param>
    /// <param name="logger">Logger.</param>
    public TelemetryHub(IOptions<ServerOptions> options, ILogger<TelemetryHub> logger)
    {
        _capacity = options.Value.TelemetryQueueCapacity;
        _logger = logger;
    }

    /// <summary>Open streams.</summary>
    public int Count => _sessions.Count;

    /// <summary>Registers a new stream for <paramref name="clientId"/>, ending the one it replaces.</summary>
    /// <param name="clientId">The client id.</param>
    /// <returns>The new session.</returns>
    public ClientTelemetryStream Open(string clientId)
    {
        var session = new ClientTelemetryStream(clientId, _capacity);
        ClientTelemetryStream? previous = null;
        _sessions.AddOrUpdate(clientId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        previous?.Complete();
        return session;
    }

    /// <summary>Unregisters a stream that ended (unless a newer stream replaced it already).</summary>
    /// <param name="session">The ended session.</param>
    public void Close(ClientTelemetryStream session)
    {
        session.Complete();
        _sessions.TryRemove(new KeyValuePair<string, ClientTelemetryStream>(session.ClientId, session));
    }

    /// <summary>Ends the stream of a client that terminated.</summary>
    /// <param name="clientId">The client id.</param>
    public void CloseClient(string clientId)
    {
        if (_sessions.TryRemove(clientId, out var session))
        {
            session.Complete();
        }
    }

    /// <summary>Queues a command for a client's open stream.</summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="command">The command.</param>
    /// <returns>False when the client has no open stream or its queue is full.</returns>
    public bool TrySend(string clientId, TelemetryCommand command)
    {
        if (!_sessions.TryGetValue(clientId, out var session))
        {
            return false;
        }

        if (session.TrySend(command))
        {
            return true;
        }

        ServerLog.TelemetryDropped(_logger, clientId, command.CommandCase.ToString());
        return false;
    }

    /// <summary>Engine callback: tells a client that exclusive mode took one of its lite topics away.</summary>
    /// <param name="notice">Which client lost which lite topic.</param>
    public void NotifyUnsubscribed(LiteUnsubscribeNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var command = new TelemetryCommand
        {
            Status = StatusFactory.Ok(),
            NotifyUnsubscribeLiteCommand = new NotifyUnsubscribeLiteCommand { LiteTopic = notice.LiteTopic },
        };
        bool told = TrySend(notice.ClientId, command);
        ServerLog.LiteEvicted(_logger, notice.ClientId, notice.Topic, notice.LiteTopic, told);
    }
}
