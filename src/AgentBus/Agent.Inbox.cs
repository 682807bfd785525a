using System.Runtime.CompilerServices;
using AgentBus.Client.Consuming;
using AgentBus.Client.Messages;
using AgentBus.Diagnostics;
using AgentBus.Envelopes;
using AgentBus.Handling;

namespace AgentBus;

public sealed partial class Agent
{
    /// <summary>
    /// Runs the handler on one inbox message (on the consumer's dispatcher, never its receive loop) and settles it:
    /// handled → ack; a request's failure → error reply, ack; a one-way message's failure → redelivery after the
    /// backoff (dead-letter queue after the group's attempts); not a bus message, or a body the handler cannot read →
    /// dead-letter queue at once, with a reason in the log, so it never blocks its session.
    /// </summary>
    // The consumer awaits a listener's result once: the state machine comes from a pool, not one per message.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ConsumeResult> OnInboxMessageAsync(MessageView message, CancellationToken stopping)
    {
        if (!AgentEnvelope.TryRead(message, out var envelope, out string problem))
        {
            AgentBusLog.NotABusMessage(Bus.Logger, Id, message.MessageId, message.LiteTopic ?? "", problem);
            return ConsumeResult.DeadLetter;
        }

        if (envelope.Kind is not (MessageKind.Message or MessageKind.Request or MessageKind.StreamRequest))
        {
            AgentBusLog.NotABusMessage(Bus.Logger, Id, message.MessageId, message.LiteTopic ?? "", $"a {envelope.Kind} does not belong in an inbox");
            return ConsumeResult.DeadLetter;
        }

        var now = Bus.Time.GetUtcNow();
        if (envelope.Deadline is { } deadline && deadline <= now)
        {
            // The caller has given up already: running the handler would only produce a reply nobody reads.
            AgentBusLog.Expired(Bus.Logger, Id, envelope.ToString(), deadline);
            return ConsumeResult.Success;
        }

        using var activity = AgentBusTelemetry.StartProcess(Id, envelope);
        // One source for the deadline, also cancelled when the agent stops (a registration, not a second linked source).
        using var timeout = envelope.Deadline is { } end ? new CancellationTokenSource(end - now, Bus.Time) : null;
        using var stoppingRegistration = timeout is null ? default : stopping.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout);
        var ct = timeout?.Token ?? stopping;
        var context = new AgentContext(this, envelope, message.Body);
        long started = Bus.Time.GetTimestamp();
        try
        {
            await _handler!(context, ct).ConfigureAwait(false);
            if (context.Stream is { IsEnded: false } stream)
            {
                await stream.CompleteAsync(ct).ConfigureAwait(false);
            }
            else if (context.IsRequest && !context.HasAnswered)
            {
                await SendErrorAsync(envelope, "NoReply", $"Agent '{Id}' handled the request without replying.", ct).ConfigureAwait(false);
            }

            AgentBusTelemetry.Handled(Id, Bus.Time.GetElapsedTime(started), failure: null);
            return ConsumeResult.Success;
        }
        catch (InvalidAgentMessageException ex)
        {
            AgentBusLog.PoisonMessage(Bus.Logger, Id, envelope.ToString(), ex.Message);
            AgentBusTelemetry.Handled(Id, Bus.Time.GetElapsedTime(started), "invalid_message");
            await AnswerFailureAsync(context, "InvalidMessage", ex.Message).ConfigureAwait(false);
            return ConsumeResult.DeadLetter;
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !stopping.IsCancellationRequested)
        {
            // The deadline passed while the handler ran: the caller has its timeout; nothing to send.
            AgentBusTelemetry.Handled(Id, Bus.Time.GetElapsedTime(started), "timeout");
            return ConsumeResult.Success;
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // This replica stopped before the handler finished: another replica takes the message at once, seeing
            // DeliveryAttempt + 1 (the handler may have had effects already).
            AgentBusTelemetry.Handled(Id, Bus.Time.GetElapsedTime(started), "stopped");
            return ConsumeResult.Retry(TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            AgentBusLog.HandlerFailed(Bus.Logger, Id, envelope.ToString(), ex);
            AgentBusTelemetry.Handled(Id, Bus.Time.GetElapsedTime(started), ex.GetType().Name);
            if (!context.IsRequest)
            {
                return ConsumeResult.Failure;
            }

            await AnswerFailureAsync(context, ex.GetType().Name, ex.Message).ConfigureAwait(false);
            return ConsumeResult.Success;
        }
    }

    /// <summary>Tells a waiting caller why its request failed (a one-way sender waits for nothing).</summary>
    private async Task AnswerFailureAsync(AgentContext context, string errorType, string message)
    {
        if (!context.IsRequest)
        {
            return;
        }

        try
        {
            if (context.Stream is { IsEnded: false } stream)
            {
                await stream.FailAsync(errorType, message, CancellationToken.None).ConfigureAwait(false);
            }
            else if (!context.HasAnswered)
            {
                await SendErrorAsync(context.Envelope, errorType, message, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is Client.Errors.ClientException or AgentBusException)
        {
            AgentBusLog.ReplyFailed(Bus.Logger, Id, context.Envelope.RequestId!, ex.Message);
        }
    }
}
