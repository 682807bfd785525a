using System.Net;
using System.Net.Sockets;
using AgentBus.Client.Transport;

namespace AgentBus.Client.Tests;

public sealed class ReadAheadStreamTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Empty_reads_wait_for_data_and_every_byte_arrives_once_in_order()
    {
        await using var pair = await Pair.ConnectAsync();
        var expected = new byte[200_000];
        new Random(7).NextBytes(expected);
        var writing = Task.Run(async () =>
        {
            // Uneven chunks, so reads meet data that is partly buffered ahead and partly still on the socket.
            var random = new Random(11);
            for (int at = 0; at < expected.Length;)
            {
                int count = Math.Min(random.Next(1, 40_000), expected.Length - at);
                await pair.Server.WriteAsync(expected.AsMemory(at, count));
                at += count;
            }

            pair.Server.Socket.Shutdown(SocketShutdown.Send);
        });

        var received = new MemoryStream();
        var sizes = new Random(13);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            // As the HTTP/2 client reads: an empty read to wait for data, then a read of what fits.
            Assert.Equal(0, await pair.Client.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Guard));
            int read = await pair.Client.ReadAsync(buffer.AsMemory(0, sizes.Next(1, buffer.Length))).AsTask().WaitAsync(Guard);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        await writing.WaitAsync(Guard);
        Assert.Equal(expected, received.ToArray());
    }

    [Fact]
    public async Task Reads_without_empty_reads_and_synchronous_reads_pass_through()
    {
        await using var pair = await Pair.ConnectAsync();
        await pair.Server.WriteAsync("hello world"u8.ToArray());

        Assert.Equal(0, pair.Client.Read(Span<byte>.Empty)); // waits for the data, buffers it
        var buffer = new byte[5];
        Assert.Equal(5, pair.Client.Read(buffer));
        Assert.Equal("hello"u8.ToArray(), buffer);
        Assert.Equal(6, await pair.Client.ReadAsync(new byte[32], 0, 32));

        await pair.Client.WriteAsync("back"u8.ToArray());
        await pair.Client.FlushAsync();
        var back = new byte[4];
        await pair.Server.ReadExactlyAsync(back).AsTask().WaitAsync(Guard);
        Assert.Equal("back"u8.ToArray(), back);
    }

    [Fact]
    public async Task The_end_of_the_stream_reads_as_zero_after_an_empty_read()
    {
        await using var pair = await Pair.ConnectAsync();
        pair.Server.Socket.Shutdown(SocketShutdown.Send);

        Assert.Equal(0, await pair.Client.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Guard));
        Assert.Equal(0, await pair.Client.ReadAsync(new byte[16]).AsTask().WaitAsync(Guard));
    }

    private sealed class Pair : IAsyncDisposable
    {
        private Pair(Stream client, NetworkStream server)
        {
            Client = client;
            Server = server;
        }

        public Stream Client { get; }

        public NetworkStream Server { get; }

        public static async Task<Pair> ConnectAsync()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var accepting = listener.AcceptSocketAsync();
            var client = await ReadAheadStream.ConnectAsync(new DnsEndPoint("127.0.0.1", port), CancellationToken.None);
            return new Pair(client, new NetworkStream(await accepting.WaitAsync(Guard), ownsSocket: true));
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
