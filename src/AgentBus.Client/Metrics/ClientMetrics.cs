using System.Diagnostics.Metrics;
using AgentBus.Client.Consuming;

namespace AgentBus.Client.Metrics;

/// <summary>
/// Client instruments on the <c>AgentBus.Client</c> meter: messages sent, send failures, messages received and
/// consume outcomes. Collect them with any System.Diagnostics.Metrics listener (OpenTelemetry, dotnet-counters).
/// </summary>
public static class ClientMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "AgentBus.Client";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> SentCounter = Meter.CreateCounter<long>("agentbus.client.messages.sent", "{message}", "Messages the broker stored.");
    private static readonly Counter<long> SendFailuresCounter = Meter.CreateCounter<long>("agentbus.client.send.failures", "{request}", "Sends that failed after all attempts.");
    private static readonly Counter<long> ReceivedCounter = Meter.CreateCounter<long>("agentbus.client.messages.received", "{message}", "Messages received by push consumers.");
    private static readonly Counter<long> ConsumedCounter = Meter.CreateCounter<long>("agentbus.client.messages.consumed", "{message}", "Listener outcomes, by result.");

    internal static void Sent(int count) => SentCounter.Add(count);

    internal static void SendFailed() => SendFailuresCounter.Add(1);

    internal static void Received(int count) => ReceivedCounter.Add(count);

    internal static void Consumed(ConsumeOutcome outcome) =>
        ConsumedCounter.Add(1, new KeyValuePair<string, object?>("result", outcome switch
        {
            ConsumeOutcome.Success => "success",
            ConsumeOutcome.Failure => "failure",
            ConsumeOutcome.DeadLetter => "dead-letter",
            _ => "suspend",
        }));
}
