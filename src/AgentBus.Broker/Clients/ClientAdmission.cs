namespace AgentBus.Broker.Clients;

/// <summary>
/// Which new clients the engine admits. A client is unauthenticated until proven otherwise and each one costs memory,
/// so a hosting server bounds the length of a client id and the number of clients known at once (its
/// <c>Server:MaxClientIdLength</c> and <c>Server:MaxClients</c>); a known client is always served.
/// </summary>
/// <param name="MaxClients">Clients known at once at most.</param>
/// <param name="MaxClientIdLength">Longest client id of a new client.</param>
internal readonly record struct ClientAdmission(int MaxClients, int MaxClientIdLength)
{
    /// <summary>The engine on its own: any number of clients, ids up to 1,024 characters.</summary>
    public static ClientAdmission Default { get; } = new(int.MaxValue, 1024);
}
