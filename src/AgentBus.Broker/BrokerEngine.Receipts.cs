using AgentBus.Broker.Errors;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// The topic and lite topic a receipt handle this broker issued belongs to, or null for a handle it did not issue
    /// or whose queue is gone (which settling refuses on its own). The server checks a caller's permission on them before settling.
    /// </summary>
    internal (string Topic, string? LiteTopic)? ReceiptTarget(string? receiptHandle)
    {
        try
        {
            var queue = _handles.Decode(receiptHandle, _queues).Queue;
            return queue is null ? null : (queue.Topic, queue.LiteTopic);
        }
        catch (BrokerException)
        {
            return null;
        }
    }
}
