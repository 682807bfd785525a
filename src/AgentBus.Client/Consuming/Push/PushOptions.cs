namespace AgentBus.Client.Consuming.Push;

/// <summary>Flow control and parallelism of a push consumer.</summary>
/// <param name="MaxCachedMessages">Messages received but not settled, at most.</param>
/// <param name="MaxCachedBytes">Body bytes received but not settled, at most.</param>
/// <param name="Parallelism">Listeners running at once (across lite topics or message groups).</param>
/// <param name="CloseGracePeriod">How long closing waits for running listeners.</param>
/// <param name="ReceiveConcurrency">Long polls kept open per assigned queue.</param>
/// <param name="ContinuousReceive">Whether receives ask the broker to keep the stream open (an AgentBus extension).</param>
/// <param name="AckLinger">How long an ack may wait to share a call with the next ones (zero: sent at once).</param>
internal sealed record PushOptions(int MaxCachedMessages, long MaxCachedBytes, int Parallelism, TimeSpan CloseGracePeriod, int ReceiveConcurrency = 1,
    bool ContinuousReceive = true, TimeSpan AckLinger = default);
