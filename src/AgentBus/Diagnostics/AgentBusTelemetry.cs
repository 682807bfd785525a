using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentBus.Envelopes;

namespace AgentBus.Diagnostics;

/// <summary>
/// The bus's traces and metrics, named after the OpenTelemetry messaging and GenAI agent conventions: a send is a
/// producer span <c>send {agent}</c>, a handler run a consumer span <c>process {agent}</c> parented by the sender's
/// <c>traceparent</c>, so one trace spans gateway → agent → agent.
/// </summary>
internal static class AgentBusTelemetry
{
    /// <summary>The ActivitySource and Meter name.</summary>
    public const string Name = "AgentBus";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>(
        "agentbus.request.duration", "s", "Time from sending a request to receiving its reply (or failure).");

    private static readonly UpDownCounter<long> InFlight = Meter.CreateUpDownCounter<long>(
        "agentbus.request.in_flight", "{request}", "Requests waiting for replies.");

    private static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "agentbus.request.failures", "{request}", "Requests that ended without a reply: timeout, remote error, cancellation.");

    private static readonly Histogram<double> HandlerDuration = Meter.CreateHistogram<double>(
        "agentbus.handler.duration", "s", "Time an agent's handler took for one message.");

    private static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>(
        "agentbus.messages.sent", "{message}", "Messages sent to agents, sessions and reply topics.");

    public static Activity? StartSend(string peer, MessageKind kind, string? sessionId)
    {
        var activity = Source.StartActivity($"send {peer}", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "rocketmq");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", peer);
            activity.SetTag("gen_ai.agent.id", peer);
            activity.SetTag("agentbus.kind", MessageKinds.ToWire(kind));
            if (sessionId is not null)
            {
                activity.SetTag("gen_ai.conversation.id", sessionId);
            }
        }

        return activity;
    }

    public static Activity? StartProcess(string agentId, AgentEnvelope envelope)
    {
        ActivityContext.TryParse(envelope.TraceParent, envelope.TraceState, isRemote: true, out var parent);
        var activity = Source.StartActivity($"process {agentId}", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "rocketmq");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.message.id", envelope.MessageId);
            activity.SetTag("gen_ai.agent.id", agentId);
            activity.SetTag("agentbus.kind", MessageKinds.ToWire(envelope.Kind));
            if (envelope.SessionId is not null)
            {
                activity.SetTag("gen_ai.conversation.id", envelope.SessionId);
            }

            if (envelope.From is not null)
            {
                activity.SetTag("agentbus.from", envelope.From);
            }
        }

        return activity;
    }

    public static void Sent(int count = 1) => MessagesSent.Add(count);

    public static void RequestStarted() => InFlight.Add(1);

    public static void RequestEnded(string peer, TimeSpan elapsed, string? failure)
    {
        InFlight.Add(-1);
        var agent = new KeyValuePair<string, object?>("gen_ai.agent.id", peer);
        if (failure is null)
        {
            RequestDuration.Record(elapsed.TotalSeconds, agent);
        }
        else
        {
            var error = new KeyValuePair<string, object?>("error.type", failure);
            RequestDuration.Record(elapsed.TotalSeconds, agent, error);
            Failures.Add(1, agent, error);
        }
    }

    public static void Handled(string agentId, TimeSpan elapsed, string? failure)
    {
        var agent = new KeyValuePair<string, object?>("gen_ai.agent.id", agentId);
        if (failure is null)
        {
            HandlerDuration.Record(elapsed.TotalSeconds, agent);
        }
        else
        {
            HandlerDuration.Record(elapsed.TotalSeconds, agent, new KeyValuePair<string, object?>("error.type", failure));
        }
    }
}
