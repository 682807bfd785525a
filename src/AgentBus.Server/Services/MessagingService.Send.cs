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
    private async ValueTask<SendMessageResponse> SendAsync(SendMessageRequest request, RequestContext call)
    {
        int count = request.Messages.Count;
        if (count == 0)
        {
            throw new RequestException(Code.BadRequest, "A send request carries at least one message.");
        }

        int maxBody = Engine.Options.MaxMessageBodySize;
        var response = new SendMessageResponse { Status = StatusFactory.Ok() };
        long bytes = 0;
        Activity? activity = null;
        try
        {
            if (count == 1)
            {
                var record = MessageMapper.ToRecord(request.Messages[0], maxBody);
                activity = BrokerTracing.Source.HasListeners() ? BrokerTracing.StartSend([record], call.ClientId) : null;
                var result = await Engine.SendAsync(record, call.Call.CancellationToken).ConfigureAwait(false);
                response.Entries.Add(Entry(result));
                bytes = record.Body.Length;
            }
            else
            {
                var records = new MessageRecord[count];
                for (int i = 0; i < count; i++)
                {
                    records[i] = MessageMapper.ToRecord(request.Messages[i], maxBody);
                    bytes += records[i].Body.Length;
                }

                activity = BrokerTracing.Source.HasListeners() ? BrokerTracing.StartSend(records, call.ClientId) : null;
                var results = await Engine.SendBatchAsync(records, call.Call.CancellationToken).ConfigureAwait(false);
                foreach (var result in results)
                {
                    response.Entries.Add(Entry(result));
                }
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
        return response;
    }

    private static SendResultEntry Entry(SendResult result) => new()
    {
        Status = StatusFactory.Ok(),
        MessageId = result.MessageId,
        Offset = result.QueueOffset,
    };
}
