using AgentBus.Broker.Errors;
using AgentBus.Broker.Inspection;
using AgentBus.Broker.Messages;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Topics;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// The position on a group's dead-letter queue below which dead letters were replayed or purged. It is a cursor
    /// like a group's (checkpointed with the offsets), under a name no consumer group can take (it has a '%' inside).
    /// </summary>
    internal const string DeadLetterAdminCursor = "%DLQADMIN%";

    private const string OriginTopicProperty = "DLQ_ORIGIN_TOPIC";
    private const string OriginLiteTopicProperty = "DLQ_ORIGIN_LITE_TOPIC";
    private const string OriginMessageIdProperty = "DLQ_ORIGIN_MESSAGE_ID";

    /// <summary>
    /// Reads the pending dead letters of <paramref name="group"/> (those neither replayed nor purged) from
    /// <paramref name="fromOffset"/> on, without consuming them.
    /// </summary>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.ConsumerGroupNotFound"/> when neither the group nor its dead-letter topic exists,
    /// <see cref="BrokerErrorCode.BadRequest"/> for a negative offset or a count out of range.
    /// </exception>
    public DeadLetterPage PeekDeadLetters(string group, long fromOffset = 0, int maxCount = 100)
    {
        ThrowIfDisposed();
        if (fromOffset < 0 || maxCount is < 1 or > MaxPeekCount)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The offset must be 0 or more and the count 1..{MaxPeekCount}.");
        }

        if (DeadLetterQueue(group) is not { } queue)
        {
            return new DeadLetterPage([], 0, 0, fromOffset);
        }

        long pending = FirstPendingDeadLetter(queue);
        var read = ReadStored(queue, Math.Max(fromOffset, pending), maxCount);
        return new DeadLetterPage(read.Messages, pending, read.MaxOffset, read.NextOffset);
    }

    /// <summary>
    /// Sends up to <paramref name="maxCount"/> pending dead letters of <paramref name="group"/> back to where they came
    /// from (their lite topic, or topic), as new messages with fresh delivery attempts, oldest first, and marks them
    /// replayed. A dead letter whose origin refuses it (its parent topic deleted, a quota) stops the replay there: those
    /// before it stay replayed, and the refusal is thrown with how many were.
    /// </summary>
    /// <returns>How many were replayed, and how many remain pending.</returns>
    /// <exception cref="BrokerException">As for <see cref="PeekDeadLetters"/>, or the origin's refusal of a dead letter.</exception>
    public async Task<(int Replayed, long Remaining)> ReplayDeadLettersAsync(string group, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (maxCount is < 1 or > MaxPeekCount)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The count {maxCount} is out of range 1..{MaxPeekCount}.");
        }

        if (DeadLetterQueue(group) is not { } queue)
        {
            return (0, 0);
        }

        var read = ReadStored(queue, FirstPendingDeadLetter(queue), maxCount);
        int replayed = 0;
        foreach (var letter in read.Messages)
        {
            try
            {
                await SendAsync(Revived(letter), cancellationToken).ConfigureAwait(false);
            }
            catch (BrokerException refused)
            {
                MarkDeadLettersDone(queue, letter.QueueOffset);
                throw new BrokerException(refused.Code,
                    $"Replayed {replayed} dead letter(s) of '{group}'; the one at offset {letter.QueueOffset} was refused: {refused.Message}");
            }

            replayed++;
        }

        long done = read.Messages.Count > 0 ? read.Messages[^1].QueueOffset + 1 : read.NextOffset;
        MarkDeadLettersDone(queue, done);
        EngineLog.DeadLettersReplayed(_logger, replayed, group);
        return (replayed, Math.Max(0, read.MaxOffset - done));
    }

    /// <summary>Marks every pending dead letter of <paramref name="group"/> as done without replaying it; returns how many.</summary>
    /// <exception cref="BrokerException">As for <see cref="PeekDeadLetters"/>.</exception>
    public long PurgeDeadLetters(string group)
    {
        ThrowIfDisposed();
        if (DeadLetterQueue(group) is not { } queue)
        {
            return 0;
        }

        long pending = FirstPendingDeadLetter(queue);
        long max = queue.MaxOffset;
        MarkDeadLettersDone(queue, max);
        EngineLog.DeadLettersPurged(_logger, max - pending, group);
        return max - pending;
    }

    /// <summary>Queue 0 of the group's dead-letter topic; null when it has none yet.</summary>
    private ConsumeQueue? DeadLetterQueue(string group)
    {
        NameRules.ValidateGroup(group);
        string topic = DeadLetterTopic(group);
        if (!Topics.TryGetTopic(topic, out _))
        {
            return Topics.TryGetGroup(group, out _) ? null
                : throw new BrokerException(BrokerErrorCode.ConsumerGroupNotFound, $"Consumer group '{group}' does not exist and has no dead letters.");
        }

        var queues = _queues.NormalQueues(topic);
        return queues.Length > 0 ? queues[0] : null;
    }

    private static long FirstPendingDeadLetter(ConsumeQueue queue)
    {
        long min = queue.ReadOffsets(DeadLetterAdminCursor, out var mark).Min;
        return Math.Max(min, mark?.CommittedOffset ?? min);
    }

    private static void MarkDeadLettersDone(ConsumeQueue queue, long offset) => queue.MoveCursorForward(DeadLetterAdminCursor, offset);

    /// <summary>A dead letter as a new message to its origin: its own properties without the dead-letter ones.</summary>
    private static MessageRecord Revived(MessageRecord letter)
    {
        string origin = letter.Properties.TryGetValue(OriginTopicProperty, out string? topic) ? topic
            : throw new BrokerException(BrokerErrorCode.BadRequest, $"The dead letter at offset {letter.QueueOffset} does not say where it came from.");
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in letter.Properties)
        {
            // A replay is sent on purpose: the deduplication key would swallow it within the window.
            if (key is not (OriginTopicProperty or OriginLiteTopicProperty or OriginMessageIdProperty or DeduplicationKeyProperty))
            {
                properties[key] = value;
            }
        }

        return new MessageRecord
        {
            Topic = origin,
            LiteTopic = letter.Properties.GetValueOrDefault(OriginLiteTopicProperty),
            MessageId = letter.Properties.GetValueOrDefault(OriginMessageIdProperty) ?? letter.MessageId,
            Tag = letter.Tag,
            Keys = letter.Keys,
            BornTimestamp = letter.BornTimestamp,
            BornHost = letter.BornHost,
            Properties = properties,
            Body = letter.Body,
        };
    }
}
