using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework;

/// <summary>
/// Where a streamed run of a <see cref="BusAIAgent"/> stands: its session, its request id on the bus and the sequence
/// of the last update received. Every update but the last carries one (<c>AgentResponseUpdate.ContinuationToken</c>);
/// pass it back as <c>AgentRunOptions.ContinuationToken</c> to get the rest of the run — from this process, another
/// one, or after a restart — with no gap and no duplicate. Its bytes (<see cref="ToBytes"/>) are what to persist.
/// </summary>
public sealed class BusContinuationToken : ResponseContinuationToken
{
    /// <summary>Creates a token.</summary>
    /// <param name="sessionId">The bus session of the run; null for a run without a session.</param>
    /// <param name="requestId">The run's request id on the bus.</param>
    /// <param name="sequence">The sequence of the last update received (0 for the first).</param>
    public BusContinuationToken(string? sessionId, string requestId, long sequence)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, -1);
        SessionId = sessionId;
        RequestId = requestId;
        Sequence = sequence;
    }

    /// <summary>The bus session of the run (<c>RequestOptions.SessionId</c>), if any.</summary>
    public string? SessionId { get; }

    /// <summary>The run's request id on the bus.</summary>
    public string RequestId { get; }

    /// <summary>The sequence of the last update received: resuming reads from the next one.</summary>
    public long Sequence { get; }

    /// <summary>Reads a token back from any <see cref="ResponseContinuationToken"/> holding a bus token's bytes.</summary>
    /// <param name="token">The token (a <see cref="BusContinuationToken"/>, or one rebuilt from its bytes).</param>
    /// <returns>The bus token.</returns>
    /// <exception cref="ArgumentException">The token is not a bus agent's.</exception>
    public static BusContinuationToken From(ResponseContinuationToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token is BusContinuationToken bus)
        {
            return bus;
        }

        try
        {
            var state = JsonSerializer.Deserialize<State>(token.ToBytes().Span);
            if (state is { Request: { Length: > 0 } request, Sequence: >= -1 })
            {
                return new BusContinuationToken(state.Session, request, state.Sequence);
            }
        }
        catch (JsonException)
        {
        }

        throw new ArgumentException("The continuation token was not issued by a bus agent (it holds no bus request id and sequence).", nameof(token));
    }

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> ToBytes() => JsonSerializer.SerializeToUtf8Bytes(new State(SessionId, RequestId, Sequence));

    /// <inheritdoc />
    public override string ToString() => $"request {RequestId} after {Sequence}" + (SessionId is null ? "" : $" in session {SessionId}");

    private sealed record State(
        [property: JsonPropertyName("session")] string? Session,
        [property: JsonPropertyName("request")] string Request,
        [property: JsonPropertyName("sequence")] long Sequence);
}
