using System.Diagnostics.Metrics;

namespace AgentBus.Server.Metrics;

/// <summary>
/// Calls refused at one of the broker's per-call limits, on meter <c>AgentBus.Broker</c>: counter
/// <c>agentbus.requests.refused</c> with tag <c>limit</c> naming the setting that refused it.
/// </summary>
internal sealed class LimitMetrics
{
    /// <summary>Tag value: <c>Server:MaxRequestHeadersSize</c>.</summary>
    public const string HeadersTooLarge = "headers_too_large";

    /// <summary>Tag value: <c>Server:MaxLiteTopicsPerRequest</c>.</summary>
    public const string TooManyLiteTopics = "too_many_lite_topics";

    /// <summary>Tag value: <c>Server:MaxPendingReceivesPerClient</c>.</summary>
    public const string TooManyPendingReceives = "too_many_pending_receives";

    private readonly Counter<long> _refused;

    /// <summary>Creates the counter.</summary>
    /// <param name="meterFactory">Meter factory of the host.</param>
    public LimitMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(BrokerMetrics.MeterName);
        _refused = meter.CreateCounter<long>("agentbus.requests.refused", "{call}",
            "Calls refused at a limit (tag limit: headers_too_large, too_many_lite_topics, too_many_pending_receives).");
    }

    /// <summary>Counts one refusal at <paramref name="limit"/>.</summary>
    public void Refused(string limit) => _refused.Add(1, new KeyValuePair<string, object?>("limit", limit));
}
