using AgentBus.Broker;
using AgentBus.Broker.Inspection;
using AgentBus.Server.Clients;

namespace AgentBus.Server.Inspection;

/// <summary>
/// Every client the broker knows, as the admin API's ListClients and the dashboard list them: the engine's client
/// sessions, with what the protocol attached to them (announced type, Telemetry stream) and their lite part.
/// </summary>
internal static class KnownClients
{
    /// <summary>The ids in ordinal order, each once; only those after <paramref name="after"/> when given.</summary>
    public static IEnumerable<string> Ids(BrokerEngine engine, string? after = null) =>
        engine.ClientIds
            .Where(id => after is null || string.CompareOrdinal(id, after) > 0)
            .Order(StringComparer.Ordinal);

    /// <summary>One client as both sides know it; null parts when a side does not.</summary>
    public static (ClientInfo? Transport, LiteClientState? Lite) Describe(ClientRegistry clients, BrokerEngine engine, string clientId) =>
        (clients.Find(clientId), engine.DescribeLiteClient(clientId));
}
