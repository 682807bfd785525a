using AgentBus.Client.Core;
using AgentBus.Client.Messages;

namespace AgentBus.Client.Consuming;

/// <summary>Receive, ack and change-invisible-duration for consumers that settle messages themselves.</summary>
internal static class SimpleReceiving
{
    /// <summary>One long poll on the next readable queue of <paramref name="topic"/> (round robin over the route).</summary>
    public static async Task<IReadOnlyList<MessageView>> ReceiveAsync(ConsumerBase consumer, string topic, FilterExpression filter, int maxMessages,
        TimeSpan invisibleDuration, TimeSpan awaitDuration, CancellationToken ct)
    {
        consumer.EnsureRunning();
        TopicRoute route = await consumer.GetRouteAsync(topic, ct).ConfigureAwait(false);
        var queues = route.Readable.Count > 0 ? route.Readable : route.Queues;
        if (queues.Count == 0)
        {
            throw new Errors.NotFoundException((int)Apache.Rocketmq.V2.Code.TopicNotFound, $"Topic '{topic}' has no readable queue.");
        }

        var queue = queues[route.NextIndex() % queues.Count];
        var poll = new PollRequest(queue, route.EndpointOf(queue), filter, maxMessages, awaitDuration) { InvisibleDuration = invisibleDuration };
        return await consumer.ReceiveCoreAsync(poll, ct).ConfigureAwait(false);
    }
}
