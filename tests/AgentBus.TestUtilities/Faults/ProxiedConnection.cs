using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace AgentBus.TestUtilities;

/// <summary>
/// One client connection through a <see cref="FaultProxy"/> and its connection to the target: two pumps, one per
/// direction, each applying its direction's faults. An end of stream is passed on as a half-close; a failure on
/// either side resets both, as a router that loses one side would.
/// </summary>
internal sealed class ProxiedConnection
{
    private const int BufferSize = 16 * 1024;

    private readonly Socket _client;
    private readonly Socket _target = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly CancellationTokenSource _cut = new();
    private int _closed;

    public ProxiedConnection(Socket client)
    {
        _client = client;
        _client.NoDelay = true;
    }

    /// <summary>Completes when both pumps ended and both sockets are closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Connects to the target and runs both pumps until the connection ends (<see cref="Completion"/>).</summary>
    public void Start(IPEndPoint target, DirectionFaults toTarget, DirectionFaults toClient) =>
        Completion = Task.Run(() => RunCoreAsync(target, toTarget, toClient));

    /// <summary>Ends the connection now with a reset or an orderly close of both sides.</summary>
    public void Cut(CutMode mode)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _cut.Cancel();
        CloseSocket(_client, mode);
        CloseSocket(_target, mode);
    }

    private async Task RunCoreAsync(IPEndPoint target, DirectionFaults toTarget, DirectionFaults toClient)
    {
        // The token source is not disposed: a cut may cancel it at any time, even after the pumps ended.
        try
        {
            await _target.ConnectAsync(target, _cut.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Nothing listens at the target (a stopped broker): the client sees its connection reset.
            Cut(CutMode.Reset);
            return;
        }

        await Task.WhenAll(PumpAsync(_client, _target, toTarget), PumpAsync(_target, _client, toClient)).ConfigureAwait(false);
        Cut(CutMode.Close);
    }

    private async Task PumpAsync(Socket source, Socket destination, DirectionFaults faults)
    {
        var ct = _cut.Token;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            // Bounded by the connection: it ends at end of stream, on a failure or when the connection is cut.
            while (true)
            {
                DirectionFaults.CutArm? cut = null;
                int read = await source.ReceiveAsync(buffer.AsMemory(0, BufferSize), SocketFlags.None, ct).ConfigureAwait(false);
                if (read == 0)
                {
                    destination.Shutdown(SocketShutdown.Send);
                    return;
                }

                faults.Read(read);
                int allowed;
                try
                {
                    await faults.WaitUntilFlowingAsync(ct).ConfigureAwait(false);
                    if (faults.Delay is { Ticks: > 0 } delay)
                    {
                        await Task.Delay(delay, ct).ConfigureAwait(false);
                    }

                    allowed = faults.Take(read, out var armed);
                    cut = armed;
                    for (int sent = 0; sent < allowed;)
                    {
                        sent += await destination.SendAsync(buffer.AsMemory(sent, allowed - sent), SocketFlags.None, ct).ConfigureAwait(false);
                    }
                }
                catch
                {
                    // The connection failed or was cut while these bytes waited; an armed cut they reached is done.
                    faults.Forwarded(read, 0);
                    cut?.Done.TrySetResult();
                    throw;
                }

                faults.Forwarded(read, allowed);
                if (cut is not null)
                {
                    Cut(cut.Mode);
                    cut.Done.TrySetResult();
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side failed or the connection was cut: the other side learns it by a reset.
            Cut(CutMode.Reset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CloseSocket(Socket socket, CutMode mode)
    {
        try
        {
            if (mode == CutMode.Reset)
            {
                // A zero linger time makes close send RST and drop what is unsent.
                socket.LingerState = new LingerOption(true, 0);
            }
            else if (socket.Connected)
            {
                socket.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        socket.Dispose();
    }
}
