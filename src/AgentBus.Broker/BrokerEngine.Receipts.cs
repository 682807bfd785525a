using AgentBus.Broker.Errors;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// The topic and lite topic a receipt handle this broker issued belongs to, or null for a handle it did not issue
    /// (which settling refuses on its own). The server checks a caller's permission on them before settling.
    /// </summary>
    internal (string Topic, string? LiteTopic)? ReceiptTarget(string? receiptHandle)
    {
        try
        {
            var handle = _handles.Decode(receiptHandle);
            return (handle.Topic, handle.LiteTopic);
        }
        catch (BrokerException)
        {
            return null;
        }
    }
}
