using AgentBus.Broker.Errors;
using AgentBus.Protocol;
using AgentBus.Server.Errors;
using AgentBus.Server.Mapping;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    /// <inheritdoc />
    public override Task<AckMessageResponse> AckMessage(AckMessageRequest request, ServerCallContext context) =>
        HandleAsync(nameof(AckMessage), request, context, AckAsync, static status => new AckMessageResponse { Status = status });

    /// <inheritdoc />
    public override Task<ChangeInvisibleDurationResponse> ChangeInvisibleDuration(ChangeInvisibleDurationRequest request, ServerCallContext context) =>
        HandleAsync(nameof(ChangeInvisibleDuration), request, context, ChangeInvisibleAsync, static status => new ChangeInvisibleDurationResponse { Status = status });

    /// <inheritdoc />
    public override Task<ForwardMessageToDeadLetterQueueResponse> ForwardMessageToDeadLetterQueue(ForwardMessageToDeadLetterQueueRequest request,
        ServerCallContext context) =>
        HandleAsync(nameof(ForwardMessageToDeadLetterQueue), request, context, ForwardToDeadLetterAsync,
            static status => new ForwardMessageToDeadLetterQueueResponse { Status = status });

    /// <summary>
    /// Acknowledges each entry on its own and reports a status per entry. The response status is OK when all
    /// succeeded, the entries' common code when all failed alike, MULTIPLE_RESULTS otherwise. An entry's
    /// <c>lite_topic</c> is informational: the receipt handle names the lite topic.
    /// </summary>
    private ValueTask<AckMessageResponse> AckAsync(AckMessageRequest request, RequestContext call)
    {
        _metrics.AckCall();
        string group = RequestFields.Group(request.Group);
        if (request.Entries.Count == 0)
        {
            throw new RequestException(Code.BadRequest, "An ack request carries at least one entry.");
        }

        var response = new AckMessageResponse();
        Code? common = null;
        bool mixed = false;
        int acked = 0;
        foreach (var entry in request.Entries)
        {
            var status = AckOne(group, entry);
            if (status.Code == Code.Ok)
            {
                acked++;
            }

            mixed |= common is { } seen && seen != status.Code;
            common ??= status.Code;
            response.Entries.Add(new AckMessageResultEntry { MessageId = entry.MessageId, ReceiptHandle = entry.ReceiptHandle, Status = status });
        }

        _metrics.Acked(acked);
        response.Status = mixed
            ? StatusFactory.Of(Code.MultipleResults, $"{acked} of {request.Entries.Count} entries acknowledged.")
            : common == Code.Ok ? StatusFactory.Ok() : response.Entries[0].Status.Clone();
        return ValueTask.FromResult(response);
    }

    private Status AckOne(string group, AckMessageEntry entry) => AckOne(group, entry.ReceiptHandle) ?? StatusFactory.Ok();

    /// <summary>Acknowledges one delivery: null when done, else the entry's refusal.</summary>
    private Status? AckOne(string group, string? receiptHandle)
    {
        try
        {
            string handle = RequestFields.ReceiptHandle(receiptHandle);
            Renewer.Settle(handle, current =>
            {
                Engine.Ack(group, current);
                return true;
            });
            return null;
        }
        catch (BrokerException refused)
        {
            return StatusFactory.Of(StatusMapping.ToCode(refused.Code), refused.Message);
        }
        catch (RequestException invalid)
        {
            return StatusFactory.Of(invalid.Code, invalid.Message);
        }
    }

    /// <summary>
    /// An ack of the message stream decoded without the request objects (see <see cref="IncomingAck"/>): acknowledged
    /// entry by entry as <see cref="AckAsync"/> does; when every entry is, the answer is written from the entries
    /// (<see cref="StreamReply.Acked"/>), else it is the response <see cref="AckAsync"/> would give.
    /// </summary>
    private StreamReply AckDecoded(ulong id, IncomingAck ack)
    {
        _metrics.AckCall();
        string group = RequestFields.Group(ack.Group);
        var entries = ack.Entries;
        if (entries.Length == 0)
        {
            throw new RequestException(Code.BadRequest, "An ack request carries at least one entry.");
        }

        Status?[]? refusals = null;
        for (int i = 0; i < entries.Length; i++)
        {
            if (AckOne(group, entries[i].ReceiptHandle) is { } refusal)
            {
                (refusals ??= new Status?[entries.Length])[i] = refusal;
            }
        }

        if (refusals is null)
        {
            _metrics.Acked(entries.Length);
            return StreamReply.Acked(id, entries);
        }

        var response = new AckMessageResponse();
        Code? common = null;
        bool mixed = false;
        int acked = 0;
        for (int i = 0; i < entries.Length; i++)
        {
            var status = refusals[i] ?? StatusFactory.Ok();
            acked += status.Code == Code.Ok ? 1 : 0;
            mixed |= common is { } seen && seen != status.Code;
            common ??= status.Code;
            response.Entries.Add(new AckMessageResultEntry { MessageId = entries[i].MessageId, ReceiptHandle = entries[i].ReceiptHandle, Status = status });
        }

        _metrics.Acked(acked);
        response.Status = mixed
            ? StatusFactory.Of(Code.MultipleResults, $"{acked} of {entries.Length} entries acknowledged.")
            : response.Entries[0].Status.Clone();
        return StreamReply.Of(new AgentBus.Protocol.Stream.ServerFrame { Id = id, Ack = response });
    }

    /// <summary>
    /// Moves a delivery's invisibility deadline (a nack with the retry delay). With <c>suspend</c> the redelivery does
    /// not count as an attempt. The answer carries the new receipt handle; the old one stops working.
    /// </summary>
    private ValueTask<ChangeInvisibleDurationResponse> ChangeInvisibleAsync(ChangeInvisibleDurationRequest request, RequestContext call)
    {
        string group = RequestFields.Group(request.Group);
        string handle = RequestFields.ReceiptHandle(request.ReceiptHandle);
        var duration = RequestFields.Duration(request.InvisibleDuration, Code.IllegalInvisibleTime, "invisible_duration")
            ?? throw new RequestException(Code.IllegalInvisibleTime, "invisible_duration is required.");
        bool suspend = request.HasSuspend && request.Suspend;
        string next = Renewer.Settle(handle, current => Engine.ChangeInvisibleDuration(group, current, duration, suspend, handBack: true));
        return ValueTask.FromResult(new ChangeInvisibleDurationResponse { Status = StatusFactory.Ok(), ReceiptHandle = next });
    }

    /// <summary>Moves a delivered message to the group's dead-letter topic (<c>%DLQ%group</c>) and acknowledges it.</summary>
    private ValueTask<ForwardMessageToDeadLetterQueueResponse> ForwardToDeadLetterAsync(ForwardMessageToDeadLetterQueueRequest request, RequestContext call)
    {
        string group = RequestFields.Group(request.Group);
        string handle = RequestFields.ReceiptHandle(request.ReceiptHandle);
        Renewer.Settle(handle, current =>
        {
            Engine.ForwardToDeadLetter(group, current);
            return true;
        });
        return ValueTask.FromResult(new ForwardMessageToDeadLetterQueueResponse { Status = StatusFactory.Ok() });
    }
}
