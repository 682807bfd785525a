using System.Runtime.CompilerServices;
using AgentBus.TestUtilities;
using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework.Tests.Infrastructure;

/// <summary>
/// A model that stops streaming after <see cref="PauseAfter"/> updates until <see cref="Release"/>: a test breaks
/// the caller's stream while the model is still producing, in the middle of the answer.
/// </summary>
internal sealed class GatedChatClient(IChatClient inner, int pauseAfter) : DelegatingChatClient(inner)
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int PauseAfter { get; } = pauseAfter;

    /// <summary>Set when the model has streamed <see cref="PauseAfter"/> updates and waits.</summary>
    public Signal Paused { get; } = new();

    public void Release() => _gate.TrySetResult();

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int count = 0;
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (count++ == PauseAfter)
            {
                Paused.Set();
                await _gate.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
            }

            yield return update;
        }
    }
}
