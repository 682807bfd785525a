using AgentBus.Broker.Errors;
using AgentBus.Protocol;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Telemetry;
using Apache.Rocketmq.V2;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    /// <summary>How long a refused Telemetry stream is read (and dropped) before it ends; see <see cref="DrainAsync"/>.</summary>
    private static readonly TimeSpan TelemetryDrainTime = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The client's settings exchange and the server's command channel. Each <see cref="Settings"/> the client sends
    /// is answered with the server's settings for its client type; the stream stays open so the server can push
    /// commands (e.g. <see cref="NotifyUnsubscribeLiteCommand"/>) until the client closes it or the server stops.
    /// </summary>
    public override async Task Telemetry(IAsyncStreamReader<TelemetryCommand> requestStream, IServerStreamWriter<TelemetryCommand> responseStream,
        ServerCallContext context)
    {
        var metadata = ClientMetadata.From(context.RequestHeaders);
        if (metadata.ClientId is not { } clientId)
        {
            await TryWriteAsync(responseStream, new TelemetryCommand { Status = ClientIdRequired(nameof(Telemetry)) }, metadata).ConfigureAwait(false);
            await DrainAsync(requestStream, context.CancellationToken).ConfigureAwait(false);
            return;
        }

        ClientInfo client;
        try
        {
            client = _clients.Touch(clientId);
        }
        catch (BrokerException refused)
        {
            var code = StatusMapping.ToCode(refused.Code);
            ServerLog.Refused(_logger, nameof(Telemetry), clientId, code, refused.Message);
            await TryWriteAsync(responseStream, new TelemetryCommand { Status = StatusFactory.Of(code, refused.Message) }, metadata).ConfigureAwait(false);
            await DrainAsync(requestStream, context.CancellationToken).ConfigureAwait(false);
            return;
        }

        var session = _telemetry.Open(clientId);
        client.TelemetryOpened();
        ServerLog.TelemetryOpened(_logger, clientId, client.ClientType);
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime.ApplicationStopping);
        var writer = PumpAsync(session, responseStream, ending.Token);
        try
        {
            while (await requestStream.MoveNext(ending.Token).ConfigureAwait(false))
            {
                OnCommand(session, client, requestStream.Current);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away or the server is stopping: end quietly.
        }
        catch (RpcException tooLarge) when (tooLarge.StatusCode == StatusCode.ResourceExhausted)
        {
            // A command above Server:MaxReceiveMessageSize is the client's mistake, not a failure of the broker. The
            // request stream cannot be read past it, so the stream ends after saying why.
            ServerLog.Refused(_logger, nameof(Telemetry), clientId, Code.PayloadTooLarge, tooLarge.Status.Detail);
            session.TrySend(new TelemetryCommand { Status = StatusFactory.Of(Code.PayloadTooLarge, tooLarge.Status.Detail) });
        }
        catch (BrokerException refused)
        {
            // The client was forgotten (terminated) and the broker is now full: tell it and end the stream.
            var code = StatusMapping.ToCode(refused.Code);
            ServerLog.Refused(_logger, nameof(Telemetry), clientId, code, refused.Message);
            session.TrySend(new TelemetryCommand { Status = StatusFactory.Of(code, refused.Message) });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ServerLog.Failed(_logger, ex, nameof(Telemetry), clientId, metadata.RequestId);
        }
        finally
        {
            _telemetry.Close(session);
            client.TelemetryClosed();
        }

        await writer.ConfigureAwait(false);
        ServerLog.TelemetryClosed(_logger, clientId);
    }

    /// <summary>
    /// Reads and drops what a refused client still sends, for a short while. Ending the stream with commands still on
    /// their way makes Kestrel see DATA for a closed stream, and it answers that by closing the whole HTTP/2 connection
    /// (GOAWAY STREAM_CLOSED), failing every other call on it.
    /// </summary>
    private static async Task DrainAsync(IAsyncStreamReader<TelemetryCommand> requestStream, CancellationToken cancellationToken)
    {
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(TelemetryDrainTime);
        try
        {
            // Bounded by the count and the time.
            for (int read = 0; read < 64 && await requestStream.MoveNext(drain.Token).ConfigureAwait(false); read++)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or RpcException
            or Google.Protobuf.InvalidProtocolBufferException)
        {
            // The client went away, sent something unreadable, or kept the stream open: the refusal stands either way.
        }
    }

    private void OnCommand(ClientTelemetryStream session, ClientInfo client, TelemetryCommand command)
    {
        _clients.Touch(client.ClientId);
        if (MalformedRequests.ReasonOf(command) is { } malformed)
        {
            // One bad command is answered and the stream goes on: the client's settings and commands still flow.
            ServerLog.Refused(_logger, nameof(Telemetry), client.ClientId, Code.BadRequest, malformed);
            session.TrySend(new TelemetryCommand { Status = StatusFactory.Of(Code.BadRequest, malformed) });
            return;
        }

        if (command.CommandCase == TelemetryCommand.CommandOneofCase.Settings)
        {
            _clients.UpdateSettings(client.ClientId, command.Settings);
            session.TrySend(new TelemetryCommand { Status = StatusFactory.Ok(), Settings = ServerSettings(command.Settings) });
            return;
        }

        // Thread stack traces and message verification results answer commands this server never sends.
        ServerLog.TelemetryIgnored(_logger, client.ClientId, command.CommandCase.ToString());
    }

    /// <summary>The single writer of a Telemetry stream: drains the session's queue until it completes.</summary>
    private async Task PumpAsync(ClientTelemetryStream session, IServerStreamWriter<TelemetryCommand> stream, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var command in session.Outbound.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await stream.WriteAsync(command, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            ServerLog.ClientGone(_logger, nameof(Telemetry), session.ClientId);
        }
    }

    private async Task TryWriteAsync(IServerStreamWriter<TelemetryCommand> stream, TelemetryCommand command, ClientMetadata metadata)
    {
        try
        {
            await stream.WriteAsync(command).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            ServerLog.ClientGone(_logger, nameof(Telemetry), metadata.ClientId);
        }
    }

    /// <summary>
    /// The server's answer to a client's settings: the retry policy for everyone; for producers the largest body and
    /// message-type validation; for consumers FIFO-ness of the group, batch size, long polling timeout and, for lite
    /// consumers, the lite subscription quota and longest lite topic name.
    /// </summary>
    private Settings ServerSettings(Settings client)
    {
        var settings = new Settings
        {
            ClientType = client.ClientType,
            RequestTimeout = client.RequestTimeout ?? Duration.FromTimeSpan(TimeSpan.FromSeconds(3)),
            Metric = new Metric { On = false },
        };
        if (client.AccessPoint is { } accessPoint)
        {
            settings.AccessPoint = accessPoint;
        }

        if (client.PubSubCase == Settings.PubSubOneofCase.Publishing || client.ClientType == ClientType.Producer)
        {
            settings.BackoffPolicy = Backoff(_options.ProducerMaxAttempts);
            var publishing = new Publishing { MaxBodySize = Engine.Options.MaxMessageBodySize, ValidateMessageType = true };
            if (client.Publishing is { } announced)
            {
                publishing.Topics.Add(announced.Topics);
            }

            settings.Publishing = publishing;
            return settings;
        }

        if (client.PubSubCase == Settings.PubSubOneofCase.Subscription)
        {
            var announced = client.Subscription;
            var subscription = new Subscription
            {
                ReceiveBatchSize = _options.ReceiveBatchSize,
                LongPollingTimeout = Duration.FromTimeSpan(_options.LongPollingTimeout),
            };
            subscription.Subscriptions.Add(announced.Subscriptions);
            int maxAttempts = 16;
            if (announced.Group is { } group)
            {
                subscription.Group = group;
                if (Engine.Topics.TryGetGroup(group.Name, out var definition))
                {
                    subscription.Fifo = definition.Fifo;
                    maxAttempts = definition.MaxDeliveryAttempts;
                }
                else
                {
                    subscription.Fifo = false;
                }
            }

            if (client.ClientType is ClientType.LitePushConsumer or ClientType.LiteSimpleConsumer)
            {
                subscription.LiteSubscriptionQuota = Engine.Options.MaxLiteSubscriptionsPerClient;
                subscription.MaxLiteTopicSize = Engine.Options.MaxLiteTopicLength;
            }

            settings.Subscription = subscription;
            settings.BackoffPolicy = Backoff(maxAttempts);
            return settings;
        }

        settings.BackoffPolicy = Backoff(_options.ProducerMaxAttempts);
        return settings;
    }

    private RetryPolicy Backoff(int maxAttempts) => new()
    {
        MaxAttempts = maxAttempts,
        ExponentialBackoff = new ExponentialBackoff
        {
            Initial = Duration.FromTimeSpan(_options.BackoffInitial),
            Max = Duration.FromTimeSpan(_options.BackoffMax),
            Multiplier = _options.BackoffMultiplier,
        },
    };
}
