using System.Collections.Concurrent;
using System.Threading.Channels;
using AgentBus.Client.Consuming;
using AgentBus.Client.Errors;
using AgentBus.Protocol.Wire;
using Apache.Rocketmq.V2;
using Google.Protobuf;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Client.Transport;

/// <summary>
/// A client's <c>agentbus.v1.MessageStream</c> to one broker: commands (sends, acks, invisibility changes) written as
/// frames of one long-lived call by one writer, buffered while more are queued, and their replies matched by id as
/// they come back in any order. A stream that breaks fails what is still unanswered with a
/// <see cref="NetworkException"/> (retried as a failed call is) and is replaced by the next command.
/// </summary>
internal sealed class MessageStreamClient : IDisposable
{
    private static readonly Method<OutgoingFrame, Reply> OpenMethod = new(
        MethodType.DuplexStreaming,
        "agentbus.v1.MessageStream",
        "Open",
        Marshallers.Create<OutgoingFrame>(
            static (frame, context) =>
            {
                context.SetPayloadLength(frame.CalculateSize());
                MessageExtensions.WriteTo(frame, context.GetBufferWriter());
                context.Complete();
            },
            static _ => throw new NotSupportedException("An outgoing frame is only written.")),
        Marshallers.Create<Reply>(
            static (_, _) => throw new NotSupportedException("Replies are only decoded."),
            static context => WireReader.Decode(context, Reply.Decode)));

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private readonly AsyncDuplexStreamingCall<OutgoingFrame, Reply> _call;
    private readonly Channel<OutgoingFrame> _outbox = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<Reply>> _pending = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly string _requestId;
    private long _lastId;
    private Exception? _broken;

    /// <summary>Opens the stream on <paramref name="invoker"/> with the client's transport headers.</summary>
    /// <param name="invoker">The channel's call invoker.</param>
    /// <param name="headers">The transport headers (client id, signature).</param>
    /// <param name="requestId">The request id in <paramref name="headers"/>: commands are named by it and their frame id.</param>
    /// <param name="onRefused">Called once when the broker turns the stream down (it does not serve it after all).</param>
    public MessageStreamClient(CallInvoker invoker, Metadata headers, string requestId, Action onRefused)
    {
        _requestId = requestId;
        _call = invoker.AsyncDuplexStreamingCall(OpenMethod, null, new CallOptions(headers, deadline: null, _lifetime.Token).WithWaitForReady());
        _ = WriteAsync();
        _ = ReadAsync(onRefused);
    }

    /// <summary>Whether the stream broke (the next command opens a new one).</summary>
    public bool IsBroken => Volatile.Read(ref _broken) is not null;

    /// <summary>
    /// Runs a command (the request of the call it stands for, written as frame field <paramref name="field"/>) and
    /// returns its reply. With <paramref name="status"/>, a reply whose status is not OK throws the typed exception,
    /// naming the command as <c>{stream request id}/{frame id}</c>.
    /// </summary>
    public async Task<TReply> CallAsync<TReply>(int field, IMessage command, Func<TReply, Status?>? status, TimeSpan timeout, CancellationToken ct)
    {
        var (id, reply) = await RunAsync(field, command, timeout, ct).ConfigureAwait(false);
        var answer = (TReply)reply;
        if (status is not null)
        {
            StatusChecker.Check(status(answer), RequestIdOf(id));
        }

        return answer;
    }

    public void Dispose()
    {
        Break(new NetworkException("The client closed its message stream."));
        _lifetime.Cancel();
        _call.Dispose();
        _lifetime.Dispose();
    }

    private string RequestIdOf(ulong id) => $"{_requestId}/{id}";

    private async Task<(ulong Id, object Reply)> RunAsync(int field, IMessage command, TimeSpan timeout, CancellationToken ct)
    {
        ulong id = (ulong)Interlocked.Increment(ref _lastId);
        var reply = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var frame = new OutgoingFrame(id, field, command);
        if (Volatile.Read(ref _broken) is not null || !_outbox.Writer.TryWrite(frame))
        {
            _pending.TryRemove(id, out _);
            throw Unavailable(Volatile.Read(ref _broken) ?? new NetworkException("The message stream is closed."));
        }

        try
        {
            var answer = await (timeout == Timeout.InfiniteTimeSpan ? reply.Task.WaitAsync(ct) : reply.Task.WaitAsync(timeout, ct)).ConfigureAwait(false);
            if (answer.Refused is { } refused)
            {
                throw StatusChecker.ToException(refused.Code, refused.Message, RequestIdOf(id));
            }

            return (id, answer.Command);
        }
        catch (TimeoutException)
        {
            // Given up on: a frame not written yet is dropped, as a unary call's deadline cancels its request. One stuck
            // in its write (the stream still waiting for a connection) could go out later and be stored behind the
            // caller's back: then the stream is reset, failing its other commands as retryable network errors. One
            // already written is like a unary call in flight: the broker may still act on it.
            _pending.TryRemove(id, out _);
            if (Interlocked.CompareExchange(ref frame.State, OutgoingFrame.Abandoned, OutgoingFrame.Queued) == OutgoingFrame.Writing)
            {
                Break(new NetworkException("A command of the message stream got no reply within its deadline while still being written; the stream was reset."));
            }

            throw new RequestTimeoutException((int)Code.RequestTimeout, "The command did not complete within its deadline.", RequestIdOf(id));
        }
        catch (OperationCanceledException)
        {
            _pending.TryRemove(id, out _);
            Interlocked.CompareExchange(ref frame.State, OutgoingFrame.Abandoned, OutgoingFrame.Queued);
            throw;
        }
    }

    /// <summary>The stream's one writer: each frame as queued, buffered while another one waits behind it.</summary>
    private async Task WriteAsync()
    {
        var reader = _outbox.Reader;
        var stream = _call.RequestStream;
        try
        {
            // Bounded: ends when the outbox is completed (the stream broke or closed).
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    // Claimed here, or already when it was the next frame behind a buffered write.
                    if (Volatile.Read(ref frame.State) != OutgoingFrame.Writing
                        && Interlocked.CompareExchange(ref frame.State, OutgoingFrame.Writing, OutgoingFrame.Queued) != OutgoingFrame.Queued)
                    {
                        continue; // abandoned by its caller
                    }

                    // Buffer this write only when the next frame is claimed for writing too: its write then flushes both,
                    // and it can no longer be abandoned and skipped, leaving this one in the buffer.
                    bool more = reader.TryPeek(out var next)
                        && Interlocked.CompareExchange(ref next.State, OutgoingFrame.Writing, OutgoingFrame.Queued) == OutgoingFrame.Queued;
                    stream.WriteOptions = more ? Buffered : WriteOptions.Default;
                    await stream.WriteAsync(frame).ConfigureAwait(false);
                    Volatile.Write(ref frame.State, OutgoingFrame.Written);
                }
            }
        }
        catch (Exception ex)
        {
            // Whatever stops the writer breaks the stream: its commands must fail, not wait for replies that cannot come.
            Break(new NetworkException($"The message stream broke: {ex.Message}", ex));
        }
    }

    /// <summary>Matches each reply to its command; the end of the stream fails what is unanswered.</summary>
    private async Task ReadAsync(Action onRefused)
    {
        try
        {
            // Bounded by the stream.
            while (await _call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                var reply = _call.ResponseStream.Current;
                if (_pending.TryRemove(reply.Id, out var pending))
                {
                    pending.TrySetResult(reply);
                }
                else if (reply.Id == 0 && reply.Refused is { } refused)
                {
                    // The stream as a whole was refused (credentials, client id): its commands get the refusal.
                    Break(StatusChecker.ToException(refused.Code, refused.Message, null));
                    return;
                }
            }

            Break(new NetworkException("The broker ended the message stream."));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            onRefused();
            Break(new NetworkException("The broker does not serve the message stream.", ex));
        }
        catch (Exception ex)
        {
            Break(new NetworkException($"The message stream broke: {ex.Message}", ex));
        }
    }

    private void Break(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _broken, reason, null) is not null)
        {
            return;
        }

        _outbox.Writer.TryComplete();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.TrySetException(Unavailable(reason));
            }
        }

        _lifetime.Cancel();
    }

    /// <summary>What a command meets on a broken stream: its typed refusal, or a retryable network failure.</summary>
    private static Exception Unavailable(Exception reason) =>
        reason is ClientException known ? known : new NetworkException(reason.Message, reason);

    /// <summary>A <c>ServerFrame</c>: the id of the command answered and its reply, decoded as the unary calls decode theirs.</summary>
    internal sealed class Reply
    {
        private Reply(ulong id, object command, Status? refused)
        {
            Id = id;
            Command = command;
            Refused = refused;
        }

        public ulong Id { get; }

        /// <summary>A <see cref="SendMessageResponse"/>, <see cref="AckOutcome"/> or <see cref="ChangeInvisibleDurationResponse"/>.</summary>
        public object Command { get; }

        /// <summary>The broker did not take the command (or, with id 0, the stream).</summary>
        public Status? Refused { get; }

        public static Reply Decode(ReadOnlySpan<byte> data)
        {
            ulong id = 0;
            object? command = null;
            Status? refused = null;
            var reader = new WireReader(data);
            while (!reader.End)
            {
                uint tag = reader.ReadTag();
                switch (tag)
                {
                    case (1 << 3) | WireReader.Varint:
                        id = reader.ReadVarint();
                        break;
                    case (2 << 3) | WireReader.LengthDelimited:
                        command = SendMessageResponse.Parser.ParseFrom(reader.ReadBytes());
                        break;
                    case (3 << 3) | WireReader.LengthDelimited:
                        command = AckOutcome.Decode(reader.ReadBytes());
                        break;
                    case (4 << 3) | WireReader.LengthDelimited:
                        command = ChangeInvisibleDurationResponse.Parser.ParseFrom(reader.ReadBytes());
                        break;
                    case (15 << 3) | WireReader.LengthDelimited:
                        refused = Status.Parser.ParseFrom(reader.ReadBytes());
                        break;
                    default:
                        reader.Skip(tag);
                        break;
                }
            }

            if (command is null)
            {
                refused ??= new Status { Code = Code.InternalError, Message = "The broker's reply carries neither a response nor a refusal." };
            }

            return new Reply(id, command ?? refused!, refused);
        }
    }
}
