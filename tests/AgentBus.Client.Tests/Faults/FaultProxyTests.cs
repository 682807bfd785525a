using System.Net;
using System.Net.Sockets;

namespace AgentBus.Client.Tests.Faults;

/// <summary>The proxy itself, over raw loopback sockets in front of an echo server: each fault does what it says.</summary>
public sealed class FaultProxyTests : IAsyncLifetime
{
    private readonly TcpListener _echo = new(IPAddress.Loopback, 0);
    private readonly List<Task> _echoes = [];
    private Task _accepting = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _echo.Start();
        _accepting = AcceptEchoesAsync();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _echo.Stop();
        await _accepting;
        Task[] echoes;
        lock (_echoes)
        {
            echoes = [.. _echoes];
        }

        await Task.WhenAll(echoes).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task It_forwards_both_ways_and_counts_connections_and_bytes()
    {
        await using var proxy = FaultProxy.Start(EchoPort);
        using var client = await ConnectAsync(proxy);
        await SendAsync(client, 1000);
        await ReceiveExactlyAsync(client, 1000);

        Assert.Equal(1, proxy.ConnectionsAccepted);
        Assert.Equal(1, proxy.ActiveConnections);
        Assert.Equal(1000, proxy.BytesForwarded(FaultDirection.ToTarget));
        Assert.Equal(1000, proxy.BytesForwarded(FaultDirection.ToClient));
    }

    [Theory]
    [InlineData(CutMode.Reset)]
    [InlineData(CutMode.Close)]
    public async Task Cutting_all_connections_resets_or_closes_them_and_accepts_new_ones(CutMode mode)
    {
        await using var proxy = FaultProxy.Start(EchoPort);
        using var client = await ConnectAsync(proxy);
        await SendAsync(client, 10);
        await ReceiveExactlyAsync(client, 10);

        await proxy.CutAllAsync(mode);

        Assert.Equal(0, proxy.ActiveConnections);
        if (mode == CutMode.Reset)
        {
            var reset = await Assert.ThrowsAsync<SocketException>(() => ReadOnceAsync(client));
            Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        }
        else
        {
            Assert.Equal(0, await ReadOnceAsync(client));
        }

        using var again = await ConnectAsync(proxy);
        await SendAsync(again, 10);
        await ReceiveExactlyAsync(again, 10);
        Assert.Equal(2, proxy.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_cut_after_n_bytes_forwards_exactly_n_bytes_then_cuts_that_connection()
    {
        await using var proxy = FaultProxy.Start(EchoPort);
        using var client = await ConnectAsync(proxy);
        var cut = proxy.CutAfterAsync(FaultDirection.ToClient, 700, CutMode.Close);
        await SendAsync(client, 1000);

        int received = 0;
        var buffer = new byte[4096];
        for (int read; (read = await ReadOnceAsync(client, buffer)) > 0;)
        {
            received += read;
        }

        await Eventually.CompletesAsync(cut);
        Assert.Equal(700, received);
        Assert.Equal(700, proxy.BytesForwarded(FaultDirection.ToClient));
    }

    [Fact]
    public async Task A_stalled_direction_holds_its_bytes_until_it_resumes()
    {
        await using var proxy = FaultProxy.Start(EchoPort);
        using var client = await ConnectAsync(proxy);
        proxy.Stall(FaultDirection.ToClient);
        await SendAsync(client, 100);
        var reading = ReceiveExactlyAsync(client, 100);
        // The echo server got the bytes (forwarded to the target) while nothing came back.
        await Eventually.TrueAsync(() => proxy.BytesForwarded(FaultDirection.ToTarget) == 100);
        Assert.False(reading.IsCompleted);
        Assert.Equal(0, proxy.BytesForwarded(FaultDirection.ToClient));

        proxy.Resume(FaultDirection.ToClient);
        await Eventually.CompletesAsync(reading);
        Assert.Equal(1, proxy.ActiveConnections);
    }

    [Fact]
    public async Task A_delayed_direction_forwards_after_the_delay()
    {
        await using var proxy = FaultProxy.Start(EchoPort);
        using var client = await ConnectAsync(proxy);
        proxy.SetDelay(FaultDirection.ToTarget, TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();
        await SendAsync(client, 10);
        await ReceiveExactlyAsync(client, 10);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(290), $"echoed after {started.Elapsed}");
    }

    [Fact]
    public async Task Refused_connections_fail_to_connect_until_it_accepts_again_on_the_same_port()
    {
        await using var proxy = FaultProxy.Start(EchoPort);
        int port = proxy.Port;
        using var open = await ConnectAsync(proxy);
        await proxy.RefuseConnectionsAsync();

        var refused = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(proxy));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await SendAsync(open, 10);
        await ReceiveExactlyAsync(open, 10); // open connections stay up

        proxy.AcceptConnections();
        Assert.Equal(port, proxy.Port);
        using var again = await ConnectAsync(proxy);
        await SendAsync(again, 10);
        await ReceiveExactlyAsync(again, 10);
    }

    [Fact]
    public async Task Disposing_resets_every_connection_and_stops_listening()
    {
        var proxy = FaultProxy.Start(EchoPort);
        using var client = await ConnectAsync(proxy);
        proxy.Stall();
        await SendAsync(client, 10);
        await proxy.DisposeAsync();

        Assert.Equal(0, proxy.ActiveConnections);
        await Assert.ThrowsAsync<SocketException>(() => ReadOnceAsync(client));
        await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(proxy));
    }

    private int EchoPort => ((IPEndPoint)_echo.LocalEndpoint).Port;

    private static async Task<Socket> ConnectAsync(FaultProxy proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.Port)).WaitAsync(TimeSpan.FromSeconds(5));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task SendAsync(Socket socket, int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        await socket.SendAsync(bytes);
    }

    private static async Task ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (int received = 0; received < count;)
        {
            int read = await ReadOnceAsync(socket, buffer.AsMemory(received));
            Assert.True(read > 0, $"the connection ended after {received} of {count} bytes");
            received += read;
        }
    }

    private static Task<int> ReadOnceAsync(Socket socket) => ReadOnceAsync(socket, new byte[4096]);

    private static async Task<int> ReadOnceAsync(Socket socket, Memory<byte> buffer) =>
        await socket.ReceiveAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

    private async Task AcceptEchoesAsync()
    {
        // Bounded by the listener: it ends when the test stops it.
        while (true)
        {
            Socket peer;
            try
            {
                peer = await _echo.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_echoes)
            {
                _echoes.Add(EchoAsync(peer));
            }
        }
    }

    private static async Task EchoAsync(Socket peer)
    {
        using (peer)
        {
            var buffer = new byte[4096];
            try
            {
                for (int read; (read = await peer.ReceiveAsync(buffer)) > 0;)
                {
                    await peer.SendAsync(buffer.AsMemory(0, read));
                }
            }
            catch (SocketException)
            {
                // The proxy reset the connection.
            }
        }
    }
}
