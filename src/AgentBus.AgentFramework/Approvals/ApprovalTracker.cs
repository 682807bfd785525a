using Microsoft.Extensions.AI;

namespace AgentBus.AgentFramework;

/// <summary>Collects the tool approvals one run raised and answered, and posts them to the run's bus session.</summary>
internal sealed class ApprovalTracker
{
    private readonly string _agentId;
    private readonly string? _sessionId;
    private readonly string? _requestId;
    private readonly List<string> _answered;
    private List<ToolApprovalRequestContent>? _requested;

    public ApprovalTracker(string agentId, string? sessionId, string? requestId, IEnumerable<ChatMessage> input)
    {
        _agentId = agentId;
        _sessionId = sessionId;
        _requestId = requestId;
        _answered = [.. input.SelectMany(m => m.Contents).OfType<ToolApprovalResponseContent>().Select(r => r.RequestId)];
    }

    public void Observe(IEnumerable<AIContent> contents)
    {
        foreach (var content in contents)
        {
            if (content is ToolApprovalRequestContent request)
            {
                (_requested ??= []).Add(request);
            }
        }
    }

    public async Task PublishAsync(Agent sender, CancellationToken ct)
    {
        if (_sessionId is null || (_requested is null && _answered.Count == 0))
        {
            return;
        }

        var message = new ApprovalEvent(ApprovalEvent.EventType, _agentId, _requestId,
            _requested is null ? null : WireFormat.ToJson(_requested.ConvertAll(static r => (AIContent)r)),
            _answered.Count == 0 ? null : _answered);
        await sender.SendToSessionAsync(_sessionId, message, ct).ConfigureAwait(false);
    }
}
