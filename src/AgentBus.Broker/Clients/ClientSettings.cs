using AgentBus.Broker.Consumption;

namespace AgentBus.Broker.Clients;

/// <summary>
/// What a hosting server sets for the engine's clients, from its own settings: which new clients are admitted, and how
/// deliveries received with auto-renew are renewed while their client lives.
/// </summary>
/// <param name="Admission">Bounds on new clients.</param>
/// <param name="Renewal">Renewal timings and bound.</param>
/// <param name="RenewInterval">How often auto-renewed deliveries are checked; null: with the client sweep
/// (<see cref="BrokerOptions.ClientScanInterval"/>).</param>
internal readonly record struct ClientSettings(ClientAdmission Admission, ReceiptRenewal Renewal, TimeSpan? RenewInterval = null)
{
    /// <summary>
    /// The engine on its own: <see cref="ClientAdmission.Default"/>, the server's default renewal timings, checked with
    /// the client sweep (only a server tracks deliveries for renewal).
    /// </summary>
    public static ClientSettings Default { get; } = new(ClientAdmission.Default,
        new ReceiptRenewal(1_000_000, TimeSpan.FromHours(1), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60)));
}
