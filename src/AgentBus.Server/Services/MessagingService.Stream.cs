using System.Threading.Channels;
using AgentBus.Protocol;
using AgentBus.Protocol.Stream;
using AgentBus.Server.Auth;
using AgentBus.Server.Clients;
using AgentBus.Server.Errors;
using AgentBus.Server.Mapping;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    /// <summary>
    /// Commands of one stream handled at once; past it the stream is not read until one completes, so a client that
    /// writes faster than the broker stores is held back by HTTP/2 flow control rather than queued without bound.
    /// </summary>
    internal const int MaxStreamCommandsInFlight = 1024;

    /// <summary>Write options that let the transport buffer a reply because another one follows at once.</summary>
    private static readonly WriteOptions BufferedReply = new(WriteFlags.BufferHint);

    /// <summary>
    /// Serves a client's <c>agentbus.v1.MessageStream</c>: reads its frames in order, starts each command in that order
    /// (so sends written one after another are stored in that order), lets them complete concurrently, and writes the
    /// replies from one writer as they complete, buffered while more are ready. Each command runs through the
    /// handler of its MessagingService call, after the authorization its call would get.
    /// </summary>
    /// <param name="frames">The client's frames.</param>
    /// <param name="replies">The stream of replies.</param>
    /// <param name="context">The stream's call.</param>
    /// <param name="authorize">Null when a command may run, else why its identity may not (null when authentication is off).</param>
    internal async Task ServeStreamAsync(IAsyncStreamReader<IncomingFrame> frames, IServerStreamWriter<StreamReply> replies, ServerCallContext context,
        Func<string, object, string?>? authorize)
    {
        var metadata = ClientMetadata.From(context.RequestHeaders);
        if (metadata.ClientId is not { } clientId)
        {
            await replies.WriteAsync(StreamReply.Of(new ServerFrame { Refused = ClientIdRequired(StreamRpc) })).ConfigureAwait(false);
            return;
        }

        var call = new RequestContext(clientId, metadata, context);
        var outbox = Channel.CreateUnbounded<StreamReply>(new UnboundedChannelOptions { SingleReader = true });
        using var slots = new SemaphoreSlim(MaxStreamCommandsInFlight, MaxStreamCommandsInFlight);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime.ApplicationStopping);
        var writer = WriteRepliesAsync(outbox.Reader, replies, clientId);
        _metrics.StreamOpened();
        try
        {
            // Bounded by the stream: ends when the client completes it, the call is cancelled or the broker stops.
            while (await frames.MoveNext(stopping.Token).ConfigureAwait(false))
            {
                var frame = frames.Current;
                await slots.WaitAsync(stopping.Token).ConfigureAwait(false);
                var pending = RunCommandAsync(frame, call, authorize);
                if (pending.IsCompleted)
                {
                    Complete(pending.Result, outbox.Writer, slots);
                }
                else
                {
                    _ = CompleteLaterAsync(pending, outbox.Writer, slots);
                }
            }
        }
        catch (OperationCanceledException)
        {
            ServerLog.ClientGone(_logger, StreamRpc, clientId);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            ServerLog.ClientGone(_logger, StreamRpc, clientId);
        }
        finally
        {
            // Every command started completes (a send in flight is stored and answered if the stream still stands).
            for (int i = 0; i < MaxStreamCommandsInFlight; i++)
            {
                await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            outbox.Writer.TryComplete();
            await writer.ConfigureAwait(false);
            _metrics.StreamClosed();
        }
    }

    private const string StreamRpc = "MessageStream.Open";

    private static void Complete(StreamReply reply, ChannelWriter<StreamReply> outbox, SemaphoreSlim slots)
    {
        outbox.TryWrite(reply);
        slots.Release();
    }

    private static async Task CompleteLaterAsync(ValueTask<StreamReply> pending, ChannelWriter<StreamReply> outbox, SemaphoreSlim slots)
    {
        // Never throws: every command turns its failure into a status.
        Complete(await pending.ConfigureAwait(false), outbox, slots);
    }

    /// <summary>Runs one frame's command through its call's handler; the reply carries the frame's id.</summary>
    private ValueTask<StreamReply> RunCommandAsync(IncomingFrame incoming, RequestContext stream, Func<string, object, string?>? authorize)
    {
        if (incoming.Send is not null)
        {
            return RunSendAsync(incoming, stream with { Frame = incoming.Id }, authorize);
        }

        if (incoming.Ack is { } ack)
        {
            return new(RunAck(incoming.Id, ack, stream with { Frame = incoming.Id }, authorize));
        }

        var pending = RunCommandAsync(incoming.Generated!, stream, authorize);
        return pending.IsCompletedSuccessfully ? new(StreamReply.Of(pending.Result)) : WrapAsync(pending);

        static async ValueTask<StreamReply> WrapAsync(ValueTask<ServerFrame> pending) => StreamReply.Of(await pending.ConfigureAwait(false));
    }

    /// <summary>
    /// A send decoded straight into its records (see <see cref="IncomingFrame"/>): authorized and stored as the parsed
    /// one would be (<see cref="HandleCoreAsync"/>), answered from its results (<see cref="StreamReply.Sent"/>).
    /// </summary>
    private async ValueTask<StreamReply> RunSendAsync(IncomingFrame frame, RequestContext call, Func<string, object, string?>? authorize)
    {
        try
        {
            var records = frame.Send!;
            if (Forbidden(authorize, nameof(SendMessage), records) is { } refusal)
            {
                return StreamReply.Of(new ServerFrame { Id = frame.Id, Send = new SendMessageResponse { Status = refusal } });
            }

            try
            {
                _clients.Touch(call.ClientId);
                return StreamReply.Sent(frame.Id, await StoreResultsAsync(records, call).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var status = StatusOf(nameof(SendMessage), ex, call);
                return StreamReply.Of(new ServerFrame { Id = frame.Id, Send = new SendMessageResponse { Status = status } });
            }
        }
        finally
        {
            frame.ReturnStorage();
        }
    }

    /// <summary>An ack decoded without the request objects: authorized and run as the parsed one would be (<see cref="HandleCoreAsync"/>).</summary>
    private StreamReply RunAck(ulong id, IncomingAck ack, RequestContext call, Func<string, object, string?>? authorize)
    {
        if (Forbidden(authorize, nameof(AckMessage), ack) is { } refusal)
        {
            return StreamReply.Of(new ServerFrame { Id = id, Ack = new AckMessageResponse { Status = refusal } });
        }

        try
        {
            _clients.Touch(call.ClientId);
            return AckDecoded(id, ack);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var status = StatusOf(nameof(AckMessage), ex, call);
            return StreamReply.Of(new ServerFrame { Id = id, Ack = new AckMessageResponse { Status = status } });
        }
    }

    private async ValueTask<ServerFrame> RunCommandAsync(ClientFrame frame, RequestContext stream, Func<string, object, string?>? authorize)
    {
        var call = stream with { Frame = frame.Id };
        if (MalformedRequests.ReasonOf(frame) is { } malformed)
        {
            return Refuse(frame.Id, call, StreamRpc, Code.BadRequest, malformed);
        }

        switch (frame.CommandCase)
        {
            case ClientFrame.CommandOneofCase.Send:
                if (Forbidden(authorize, nameof(SendMessage), frame.Send) is { } sendRefusal)
                {
                    return new ServerFrame { Id = frame.Id, Send = new SendMessageResponse { Status = sendRefusal } };
                }

                return new ServerFrame
                {
                    Id = frame.Id,
                    Send = await HandleCoreAsync(nameof(SendMessage), frame.Send, call, SendAsync, static status => new SendMessageResponse { Status = status })
                        .ConfigureAwait(false),
                };
            case ClientFrame.CommandOneofCase.Ack:
                if (Forbidden(authorize, nameof(AckMessage), frame.Ack) is { } ackRefusal)
                {
                    return new ServerFrame { Id = frame.Id, Ack = new AckMessageResponse { Status = ackRefusal } };
                }

                return new ServerFrame
                {
                    Id = frame.Id,
                    Ack = await HandleCoreAsync(nameof(AckMessage), frame.Ack, call, AckAsync, static status => new AckMessageResponse { Status = status })
                        .ConfigureAwait(false),
                };
            case ClientFrame.CommandOneofCase.ChangeInvisibleDuration:
                if (Forbidden(authorize, nameof(ChangeInvisibleDuration), frame.ChangeInvisibleDuration) is { } changeRefusal)
                {
                    return new ServerFrame { Id = frame.Id, ChangeInvisibleDuration = new ChangeInvisibleDurationResponse { Status = changeRefusal } };
                }

                return new ServerFrame
                {
                    Id = frame.Id,
                    ChangeInvisibleDuration = await HandleCoreAsync(nameof(ChangeInvisibleDuration), frame.ChangeInvisibleDuration, call,
                        ChangeInvisibleAsync, static status => new ChangeInvisibleDurationResponse { Status = status }).ConfigureAwait(false),
                };
            default:
                return Refuse(frame.Id, call, StreamRpc, Code.BadRequest, "A frame carries one command: send, ack or change_invisible_duration.");
        }
    }

    /// <summary>The refusal of a command its identity may not run (as its own call would be refused), or null.</summary>
    private static Status? Forbidden(Func<string, object, string?>? authorize, string rpc, object request) =>
        authorize?.Invoke(rpc, request) is { } reason ? StatusFactory.Of(Code.Forbidden, reason) : null;

    private ServerFrame Refuse(ulong id, RequestContext call, string rpc, Code code, string reason)
    {
        ServerLog.Refused(_logger, rpc, call.ClientId, code, reason);
        return new ServerFrame { Id = id, Refused = StatusFactory.Of(code, reason) };
    }

    /// <summary>The stream's one writer: each reply as it is ready, buffered while another one waits behind it.</summary>
    private async Task WriteRepliesAsync(ChannelReader<StreamReply> outbox, IServerStreamWriter<StreamReply> replies, string clientId)
    {
        bool broken = false;
        // Bounded: ends when the outbox is completed, after the last command.
        while (await outbox.WaitToReadAsync().ConfigureAwait(false))
        {
            while (outbox.TryRead(out var reply))
            {
                if (broken)
                {
                    continue; // drained: the replies have nowhere to go
                }

                try
                {
                    replies.WriteOptions = outbox.TryPeek(out _) ? BufferedReply : WriteOptions.Default;
                    await replies.WriteAsync(reply).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
                {
                    ServerLog.ClientGone(_logger, StreamRpc, clientId);
                    broken = true;
                }
            }
        }
    }
}
