using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace AgentBus.Client.Transport;

/// <summary>
/// The broker connection's socket stream, answering the HTTP/2 client's empty reads with a real one. Between frames
/// the client waits for data with a zero-byte read (so an idle connection pins no buffer) and then reads; on Linux the
/// zero-byte read is a syscall of its own (a one-byte <c>MSG_PEEK</c>), one more for each batch of frames that
/// arrives. Here the wait reads up to <see cref="BufferSize"/> bytes into a buffer of the connection's own, which the
/// next reads are served from: one syscall instead of two, for a 16 KiB buffer per broker connection (a client holds
/// one or a few).
/// </summary>
/// <remarks>The HTTP/2 client reads a connection from one loop, one read at a time; so does this stream.</remarks>
internal sealed class ReadAheadStream(Stream inner) : Stream
{
    /// <summary>Bytes read ahead at most: one full HTTP/2 frame of the default size plus its header.</summary>
    public const int BufferSize = 16 * 1024 + 9;

    private byte[]? _buffer;
    private int _start;
    private int _end;

    /// <summary>
    /// Connects to <paramref name="endpoint"/> as the HTTP/2 client's own connect does (dual-mode TCP, Nagle off) and
    /// returns the connection's stream.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(System.Net.DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            return new ReadAheadStream(new NetworkStream(socket, ownsSocket: true));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int ReadTimeout
    {
        get => inner.ReadTimeout;
        set => inner.ReadTimeout = value;
    }

    public override int WriteTimeout
    {
        get => inner.WriteTimeout;
        set => inner.WriteTimeout = value;
    }

    public override bool CanTimeout => inner.CanTimeout;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_start < _end)
        {
            return TakeBuffered(buffer.Span);
        }

        if (buffer.Length == 0)
        {
            // The wait for data: read it now. At the end of the stream nothing is buffered and the next read gets 0 too.
            _buffer ??= new byte[BufferSize];
            _end = await inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            _start = 0;
            return 0;
        }

        return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        if (_start < _end)
        {
            return TakeBuffered(buffer);
        }

        if (buffer.Length == 0)
        {
            _buffer ??= new byte[BufferSize];
            _end = inner.Read(_buffer);
            _start = 0;
            return 0;
        }

        return inner.Read(buffer);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int TakeBuffered(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }
}
