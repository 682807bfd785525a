using System.Diagnostics;
using AgentBus.Broker.Messages;
using AgentBus.Protocol;
using AgentBus.Server.Errors;
using AgentBus.Server.Mapping;
using AgentBus.Server.Tracing;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Status = Apache.Rocketmq.V2.Status;

namespace AgentBus.Server.Services;

internal sealed partial class MessagingService
{
    /// <inheritdoc />
    public override Task<SendMessageResponse> SendMessage(SendMessageRequest request, ServerCallContext context) =>
        HandleAsync(nameof(SendMessage), request, context, SendAsync, static status => new SendMessageResponse { Status = status });

    /// <summary>
    /// Stores every message of the request (normal, FIFO with a message group, lite with a lite topic) as one
    /// batch: all are validated first, so a request is stored whole or refused whole; each stored message gets its
    /// own result entry.
    /// </summary>
    private ValueTask<SendMessageResponse> SendAsync(SendMessageRequest request, RequestContext call)
    {
        var messages = request.Messages;
        int maxBody = Engine.Options.MaxMessageBodySize;
        var records = new MessageRecord[messages.Count];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = MessageMapper.ToRecord(messages[i], maxBody);
        }

        return StoreAsync(records, call);
    }

    /// <summary>Stores the records of one send request and answers it.</summary>
    private async ValueTask<SendMessageResponse> StoreAsync(MessageRecord[] records, RequestContext call)
    {
        var results = await StoreResultsAsync(records, call).ConfigureAwait(false);
        var response = new SendMessageResponse { Status = StatusFactory.Ok() };
        foreach (var result in results)
        {
            response.Entries.Add(Entry(result));
        }

        return response;
    }

    /// <summary>Stores the records of one send (a request's, or a message stream frame's decoded on the fast path) as one batch.</summary>
    private async ValueTask<IReadOnlyList<SendResult>> StoreResultsAsync(MessageRecord[] records, RequestContext call)
    {
        int count = records.Length;
        if (count == 0)
        {
            throw new RequestException(Code.BadRequest, "A send request carries at least one message.");
        }

        IReadOnlyList<SendResult> results;
        long bytes = 0;
        Activity? activity = BrokerTracing.Source.HasListeners() ? BrokerTracing.StartSend(records, call.ClientId) : null;
        try
        {
            if (count == 1)
            {
                results = [await Engine.SendAsync(records[0], call.Call.CancellationToken).ConfigureAwait(false)];
                bytes = records[0].Body.Length;
            }
            else
            {
                foreach (var record in records)
                {
                    bytes += record.Body.Length;
                }

                results = await Engine.SendBatchAsync(records, call.Call.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (activity is not null)
        {
            BrokerTracing.Failed(activity, ex);
            throw;
        }
        finally
        {
            activity?.Dispose();
        }

        _metrics.MessagesIn(count, bytes);
        return results;
    }

    private static SendResultEntry Entry(SendResult result) => new()
    {
        Status = StatusFactory.Ok(),
        MessageId = result.MessageId,
        Offset = result.QueueOffset,
    };
}
