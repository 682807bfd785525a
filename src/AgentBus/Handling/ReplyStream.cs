using AgentBus.Serialization;

using AgentBus.Handling;

namespace AgentBus;

/// <summary>Writes a streamed reply: ordered chunks, then an end marker. Writes are pipelined: a chunk is sent while the next ones are produced.</summary>
/// <typeparam name="T">The chunk type.</typeparam>
public sealed class ReplyStream<T> : IAsyncDisposable
{
    private readonly ReplyStreamCore _core;
    private readonly PayloadSerializer _serializer;

    internal ReplyStream(ReplyStreamCore core, PayloadSerializer serializer)
    {
        _core = core;
        _serializer = serializer;
    }

    /// <summary>Chunks written so far (the next chunk's sequence number).</summary>
    public long Written => _core.Written;

    /// <summary>Queues the next chunk. Waits only while many chunks are still being sent.</summary>
    /// <param name="chunk">The chunk.</param>
    /// <param name="ct">Cancels waiting.</param>
    /// <returns>A task that completes when the chunk is queued.</returns>
    /// <exception cref="Client.Errors.ClientException">An earlier chunk could not be sent.</exception>
    public ValueTask WriteAsync(T chunk, CancellationToken ct = default) => _core.WriteAsync(_serializer.Serialize(chunk), ct);

    /// <summary>Sends the end marker and waits until every chunk is stored.</summary>
    /// <param name="ct">Cancels waiting.</param>
    /// <returns>A task that completes when the stream is complete.</returns>
    public ValueTask CompleteAsync(CancellationToken ct = default) => _core.CompleteAsync(ct);

    /// <summary>Completes the stream if it was not.</summary>
    /// <returns>A task that completes when the stream is complete.</returns>
    public ValueTask DisposeAsync() => _core.CompleteAsync(CancellationToken.None);
}
