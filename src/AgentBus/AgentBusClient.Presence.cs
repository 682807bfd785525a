using AgentBus.Addressing;
using AgentBus.Client.Admin;
using AgentBus.Client.Errors;
using AgentBus.Protocol.Admin;
using Microsoft.Extensions.Logging;

namespace AgentBus;

public sealed partial class AgentBusClient
{
    /// <summary>
    /// The agents that are live now: every agent whose inbox at least one live replica subscribes, in the order of
    /// their inbox names, with its number of replicas and its backlog. It asks the broker's admin API, which only the
    /// AgentBus broker has.
    /// </summary>
    /// <param name="ct">Cancels the listing.</param>
    /// <returns>The live agents; empty when none runs.</returns>
    /// <remarks>
    /// The broker walks its agent inboxes a page (1000) at a time, so a listing of many agents is several calls: an
    /// agent that starts or stops meanwhile may or may not be in it, and none is listed twice. An agent id too long for
    /// a lite topic name is listed by its start, with <see cref="AgentPresence.IsAgentIdTruncated"/>.
    /// </remarks>
    /// <exception cref="NotSupportedException">The broker has no admin API: an Apache RocketMQ proxy, or an AgentBus broker with <c>Server:EnableAdminService</c> off.</exception>
    /// <exception cref="ObjectDisposedException">The bus is closed.</exception>
    public async Task<IReadOnlyList<AgentPresence>> ListAgentsAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var query = new ListLiteTopicsRequest
        {
            ParentTopic = Options.ParentTopic,
            Prefix = LiteTopicNameDecoder.AgentPrefix,
            PageSize = 1000,
            SubscribedOnly = true,
            ConsumerGroup = Options.ConsumerGroup,
        };
        var agents = new List<AgentPresence>();
        try
        {
            await foreach (var inbox in Admin.ListLiteTopicsAsync(query, ct).ConfigureAwait(false))
            {
                if (!LiteTopicNameDecoder.TryDecodeAgent(inbox.Name, out string agentId, out bool truncated))
                {
                    NotAnInbox(Logger, inbox.Name);
                    continue;
                }

                // Without a position of the bus's group, the group would start at the first stored message.
                long backlog = inbox.MaxOffset - (inbox.HasCommittedOffset ? inbox.CommittedOffset : inbox.MinOffset);
                agents.Add(new AgentPresence(agentId, inbox.LiveSubscriberCount, Math.Max(0, backlog))
                {
                    IsAgentIdTruncated = truncated,
                    InboxTopic = inbox.Name,
                });
            }
        }
        catch (UnsupportedException ex)
        {
            throw AdminUnsupported("Listing live agents", ex);
        }

        return agents;
    }

    internal NotSupportedException AdminUnsupported(string what, Exception inner) => new(
        $"{what} needs the AgentBus broker's admin API, which the broker at {Endpoints} does not serve (an Apache RocketMQ proxy has none; an AgentBus broker serves it unless Server:EnableAdminService is off).",
        inner);

    [LoggerMessage(100, LogLevel.Debug, "Lite topic {LiteTopic} starts like an agent inbox but is not one the bus names; not listed")]
    private static partial void NotAnInbox(ILogger logger, string liteTopic);
}
