using System.Diagnostics;
using System.Runtime.CompilerServices;
using AgentBus.Diagnostics;
using AgentBus.Client.Errors;
using AgentBus.Envelopes;
using AgentBus.Serialization;

namespace AgentBus;

public sealed partial class Agent
{
    // NOT_FOUND: how an AgentBus broker refuses a message that required a live subscriber.
    private const int NoLiveSubscriberCode = 40400;

    /// <summary>
    /// Sends a one-way message to <paramref name="peer"/>'s inbox. Durable: once this returns the broker stored it, and
    /// an agent that is offline now gets it when it starts.
    /// </summary>
    /// <typeparam name="T">The message type (written as JSON).</typeparam>
    /// <param name="peer">The agent id.</param>
    /// <param name="message">The message.</param>
    /// <param name="options">Session, message id, idempotency key.</param>
    /// <param name="ct">Cancels the send (the message may still be stored).</param>
    /// <returns>The bus message id.</returns>
    public async Task<string> SendToAsync<T>(string peer, T message, SendOptions? options = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        var envelope = new OutgoingMessage(MessageKind.Message, options?.MessageId ?? MessageIds.New())
        {
            SessionId = options?.SessionId,
            IdempotencyKey = options?.IdempotencyKey,
            Deduplicate = true,
            RequireSubscriber = options?.RequireLiveAgent ?? Bus.Options.RequireLiveAgent,
        };
        await SendAsync(peer, LiteTopicNames.ForAgent(peer), envelope, Bus.Serializer.Serialize(message), ct).ConfigureAwait(false);
        return envelope.MessageId;
    }

    /// <summary>Sends to a lite topic with this agent as the sender, in a producer span that carries the trace on.</summary>
    /// <remarks>Awaited once by each caller: the state machine comes from a pool.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask SendAsync(string peer, string liteTopic, OutgoingMessage envelope, Payload body, CancellationToken ct)
    {
        envelope.From = Id;
        envelope.To ??= peer;
        using var activity = AgentBusTelemetry.StartSend(peer, envelope.Kind, envelope.SessionId);
        var message = envelope.Build(Bus.Options.ParentTopic, liteTopic, body, activity ?? Activity.Current);
        try
        {
            await Bus.Producer.SendAsync(message, ct).ConfigureAwait(false);
        }
        catch (NotFoundException ex) when (envelope.RequireSubscriber && ex.Code == NoLiveSubscriberCode)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "no live agent");
            throw new AgentUnavailableException(peer, ex);
        }

        AgentBusTelemetry.Sent();
    }

    /// <summary>Sends the reply (or error) to a request to where the request asked.</summary>
    internal async Task SendReplyAsync(AgentEnvelope request, MessageKind kind, Payload body, string? errorType, CancellationToken ct)
    {
        var envelope = new OutgoingMessage(kind, MessageIds.New())
        {
            RequestId = request.RequestId,
            SessionId = request.SessionId,
            From = Id, // no addressee: the reply-to topic is the requester's
            ErrorType = errorType,
        };
        var message = envelope.Build(Bus.Options.ParentTopic, request.ReplyTo!, body, Activity.Current);
        await Bus.Producer.SendAsync(message, ct).ConfigureAwait(false);
        AgentBusTelemetry.Sent();
    }

    internal Task SendErrorAsync(AgentEnvelope request, string errorType, string message, CancellationToken ct)
    {
        if (request.Kind == MessageKind.StreamRequest)
        {
            var stream = new Handling.ReplyStreamCore(this, request);
            return stream.FailAsync(errorType, message, ct).AsTask();
        }

        return SendReplyAsync(request, MessageKind.Error, Bus.Serializer.Serialize(message), errorType, ct);
    }
}
