using AgentBus;

namespace GatewayDemo.Worker;

/// <summary>
/// The worker agent <c>writer</c>: answers a question (a JSON string) with a short text, whole for a request
/// (<see cref="WriterAnswer"/>) or word by word for a streamed request, pausing between words as a model would, so a
/// client can drop a stream and resume it while the worker is still writing.
/// </summary>
/// <param name="wordDelay">The pause between streamed words.</param>
public sealed class WriterAgent(TimeSpan wordDelay) : IAgentHandler
{
    /// <summary>The agent id the worker serves.</summary>
    public const string AgentId = "writer";

    /// <summary>The text the writer answers <paramref name="question"/> with.</summary>
    /// <param name="question">The question.</param>
    /// <returns>The text (a streamed answer is its words, each but the last followed by a space).</returns>
    public static string Compose(string question) =>
        $"You asked: {question}. Each gateway instance has its own reply topic on the bus, so this answer travels " +
        "back to the instance that asked, and a stream you dropped resumes on any instance from the last word you saw.";

    /// <summary>The words of a streamed answer, in order: what a client concatenates back into <see cref="Compose"/>.</summary>
    /// <param name="question">The question.</param>
    /// <returns>The words, each but the last with its trailing space.</returns>
    public static IReadOnlyList<string> Words(string question)
    {
        string[] words = Compose(question).Split(' ');
        return [.. words.Select((word, i) => i < words.Length - 1 ? word + " " : word)];
    }

    /// <inheritdoc />
    public async ValueTask HandleAsync(AgentContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.IsRequest)
        {
            return; // one-way notes need no answer
        }

        string? question = context.GetBody<string?>();
        if (string.IsNullOrWhiteSpace(question))
        {
            // The caller's mistake: a clear error back, not a crash or a redelivery.
            await context.FailAsync("InvalidQuestion", "The question is empty.", ct).ConfigureAwait(false);
            return;
        }

        if (context.Envelope.Kind == MessageKind.StreamRequest)
        {
            await context.StreamReplyAsync(PacedWords(question, ct), ct).ConfigureAwait(false);
            return;
        }

        // The reply names the topic it is sent to (the asking instance's) and the worker process that wrote it.
        await context.ReplyAsync(new WriterAnswer(Compose(question), context.Envelope.ReplyTo ?? "", context.Agent.Bus.InstanceId), ct)
            .ConfigureAwait(false);
    }

    private async IAsyncEnumerable<string> PacedWords(string question, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var words = Words(question);
        for (int i = 0; i < words.Count; i++)
        {
            if (i > 0 && wordDelay > TimeSpan.Zero)
            {
                await Task.Delay(wordDelay, ct).ConfigureAwait(false);
            }

            yield return words[i];
        }
    }
}
