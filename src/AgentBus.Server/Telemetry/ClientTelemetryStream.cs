using System.Threading.Channels;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Telemetry;

/// <summary>
/// One open Telemetry stream of a client. Commands to the client go through a bounded queue drained by the
/// stream's single writer loop, so the engine and request handlers never write to the stream concurrently.
/// </summary>
internal sealed class ClientTelemetryStream
{
    private readonly Channel<TelemetryCommand> _outbound;

    internal ClientTelemetryStream(string clientId, int capacity)
    {
        ClientId = clientId;
        _outbound = Channel.CreateBounded<TelemetryCommand>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The client the stream belongs to.</summary>
    public string ClientId { get; }

    /// <summary>Commands waiting to be written to the client.</summary>
    internal ChannelReader<TelemetryCommand> Outbound => _outbound.Reader;

    /// <summary>Queues a command for the client; false when the queue is full or the stream closed.</summary>
    /// <param name="command">The command to send.</param>
    /// <returns>Whether the command was queued.</returns>
    public bool TrySend(TelemetryCommand command) => _outbound.Writer.TryWrite(command);

    /// <summary>Ends the stream: the writer loop drains what is queued and the call completes.</summary>
    internal void Complete() => _outbound.Writer.TryComplete();
}
