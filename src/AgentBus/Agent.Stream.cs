using System.Runtime.CompilerServices;
using AgentBus.Diagnostics;
using AgentBus.Envelopes;

namespace AgentBus;

public sealed partial class Agent
{
    /// <summary>
    /// Asks <paramref name="peer"/> for a streamed reply (LLM tokens, progress): the chunks in order, ending when the
    /// agent completes the stream. The stream has its own lite topic, so it survives a broken connection or a
    /// restart of this instance: the n-th chunk (0-based) has sequence n, and
    /// <see cref="ResumeStreamAsync{TChunk}"/> continues after the last one seen, with no gap and no duplicate.
    /// </summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TChunk">The chunk type.</typeparam>
    /// <param name="peer">The agent id.</param>
    /// <param name="request">The request.</param>
    /// <param name="options">Request id, timeout (for each next chunk), session.</param>
    /// <param name="ct">Cancels reading (the agent may go on writing; resume later by request id).</param>
    /// <returns>The chunks.</returns>
    /// <exception cref="AgentTimeoutException">No next chunk within the timeout.</exception>
    /// <exception cref="RemoteAgentException">The agent's handler failed (after the chunks it wrote).</exception>
    public async IAsyncEnumerable<TChunk> StreamAsync<TRequest, TChunk>(string peer, TRequest request, RequestOptions? options = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        string requestId = RequestIdOf(peer, options);
        var timeout = options?.Timeout ?? Bus.Options.RequestTimeout;
        var body = Bus.Serializer.Serialize(request);
        var streams = await Bus.SessionsAsync(ct).ConfigureAwait(false);
        var reader = await streams.OpenStreamAsync(requestId, afterSequence: -1, ct).ConfigureAwait(false);
        try
        {
            var envelope = RequestEnvelope(MessageKind.StreamRequest, requestId, reader.LiteTopic, timeout, options);
            await SendAsync(peer, LiteTopicNames.ForAgent(peer), envelope, body, ct).ConfigureAwait(false);
            await foreach (var chunk in ReadStreamAsync<TChunk>(peer, reader, timeout, ct).ConfigureAwait(false))
            {
                yield return chunk;
            }
        }
        finally
        {
            await streams.CloseStreamAsync(reader).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Continues reading a streamed reply after the chunk with sequence <paramref name="afterSequence"/> (−1 reads it
    /// from the start): after a broken stream, or from another instance or a restarted one. The chunks are kept on
    /// the request's lite topic until it expires.
    /// </summary>
    /// <typeparam name="TChunk">The chunk type.</typeparam>
    /// <param name="requestId">The request id (<see cref="RequestOptions.RequestId"/>).</param>
    /// <param name="afterSequence">The last sequence already seen (the count of chunks seen, minus one).</param>
    /// <param name="timeout">How long to wait for each next chunk; null uses <see cref="AgentBusOptions.RequestTimeout"/>.</param>
    /// <param name="ct">Cancels reading.</param>
    /// <returns>The remaining chunks.</returns>
    public async IAsyncEnumerable<TChunk> ResumeStreamAsync<TChunk>(string requestId, long afterSequence, TimeSpan? timeout = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        ArgumentOutOfRangeException.ThrowIfLessThan(afterSequence, -1);
        var streams = await Bus.SessionsAsync(ct).ConfigureAwait(false);
        var reader = await streams.OpenStreamAsync(requestId, afterSequence, ct).ConfigureAwait(false);
        try
        {
            await foreach (var chunk in ReadStreamAsync<TChunk>("(resumed)", reader, timeout ?? Bus.Options.RequestTimeout, ct).ConfigureAwait(false))
            {
                yield return chunk;
            }
        }
        finally
        {
            await streams.CloseStreamAsync(reader).ConfigureAwait(false);
        }
    }

    private async IAsyncEnumerable<TChunk> ReadStreamAsync<TChunk>(string peer, Replies.StreamReader reader, TimeSpan timeout,
        [EnumeratorCancellation] CancellationToken ct)
    {
        long started = Bus.Time.GetTimestamp();
        AgentBusTelemetry.RequestStarted();
        string? failure = "canceled";
        // One timer for the whole stream, re-armed for each chunk (no allocation per chunk).
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, Bus.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, idle.Token);
        try
        {
            while (true)
            {
                Replies.ReceivedReply? next;
                idle.CancelAfter(timeout);
                try
                {
                    next = await reader.NextAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    failure = "timeout";
                    throw new AgentTimeoutException(peer, reader.RequestId, timeout);
                }

                idle.CancelAfter(Timeout.InfiniteTimeSpan);
                if (next is null)
                {
                    throw new AgentBusException($"The stream of request {reader.RequestId} was closed before its end.");
                }

                switch (next.Envelope.Kind)
                {
                    case MessageKind.Chunk:
                        yield return Bus.Serializer.Deserialize<TChunk>(next.Body, next.Envelope.ContentType, $"chunk {next.Sequence} of request {reader.RequestId}");
                        break;
                    case MessageKind.End:
                        failure = null;
                        yield break;
                    case MessageKind.Error:
                        string message = Bus.Serializer.Deserialize<string>(next.Body, next.Envelope.ContentType, $"the error of request {reader.RequestId}");
                        failure = next.Envelope.ErrorType ?? "Error";
                        throw new RemoteAgentException(next.Envelope.From ?? peer, reader.RequestId, failure, message);
                    default:
                        // A plain reply on a stream's topic: the agent answered a streamed request with one reply.
                        yield return Bus.Serializer.Deserialize<TChunk>(next.Body, next.Envelope.ContentType, $"the reply to request {reader.RequestId}");
                        failure = null;
                        yield break;
                }
            }
        }
        finally
        {
            AgentBusTelemetry.RequestEnded(peer, Bus.Time.GetElapsedTime(started), failure);
        }
    }
}
