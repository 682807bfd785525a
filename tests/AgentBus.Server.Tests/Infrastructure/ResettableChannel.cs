using System.Net.Sockets;
using Apache.Rocketmq.V2;
using Grpc.Core;
using Grpc.Net.Client;

namespace AgentBus.Server.Tests.Infrastructure;

/// <summary>
/// A gRPC channel over one TCP connection that the test can reset (RST, no HTTP/2 GOAWAY), as a client process that
/// is killed or loses its network does: the broker sees the connection fault under its open streams.
/// </summary>
internal sealed class ResettableChannel : IDisposable
{
    private Socket? _socket;

    public ResettableChannel(Uri address)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                _socket = socket;
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    public GrpcChannel Channel { get; }

    /// <summary>
    /// Opens a Telemetry stream as client <paramref name="clientId"/> and returns once the broker answered its
    /// settings, so the stream is open on the broker's side.
    /// </summary>
    public async Task<AsyncDuplexStreamingCall<TelemetryCommand, TelemetryCommand>> OpenTelemetryAsync(string clientId)
    {
        var client = new TestClient(Channel, clientId);
        var call = client.Stub.Telemetry(client.Headers(), DateTime.UtcNow.AddMinutes(1));
        await call.RequestStream.WriteAsync(new TelemetryCommand { Settings = new Settings { ClientType = ClientType.Producer } });
        Assert.True(await call.ResponseStream.MoveNext().WaitAsync(TimeSpan.FromSeconds(10)), "The broker did not answer the client's settings.");
        return call;
    }

    /// <summary>Resets the connection: linger 0 makes the close send RST.</summary>
    public void Reset()
    {
        var socket = _socket ?? throw new InvalidOperationException("The channel has not connected yet.");
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public void Dispose() => Channel.Dispose();
}
