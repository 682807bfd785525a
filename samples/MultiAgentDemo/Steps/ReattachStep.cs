using AgentBus;
using MultiAgentDemo.Team;

namespace MultiAgentDemo.Steps;

/// <summary>
/// Step 6: a gateway with a stable InstanceId asks, and is gone before the reply; a new process with the same
/// InstanceId attaches to the request and gets the reply that arrived while it was down.
/// </summary>
internal sealed class ReattachStep : DemoStep
{

    public override string Name => "Gateway re-attach";

    public override string Title => "a gateway restarts before the reply, then attaches to its request";

    public override string Api => "stable InstanceId, RequestOptions.RequestId, AttachAsync(requestId)";

    public override async Task RunAsync(DemoContext context, StepChecks checks, CancellationToken ct)
    {
        var console = context.Console;
        string requestId = $"receipt-{context.RunId}";
        // Stable across the restart below (that is the point); unique to the run, so runs side by side never meet.
        string instanceId = $"gateway-r-{context.RunId[..4]}";

        // The archivist holds its reply until the gateway is gone, so the reply surely arrives while nobody waits.
        var archivist = new Archivist { HoldReplies = true };
        string archivistId = Archivist.AgentIdFor(context.RunId);
        await using var archive = await context.Bus.CreateAgentAsync(archivistId, archivist.HandleAsync, ct).ConfigureAwait(false);

        var before = await context.ConnectAsync(instanceId, ct).ConfigureAwait(false);
        Task<string> waiting;
        try
        {
            var gateway = await before.CreateAgentAsync("gateway", ct: ct).ConfigureAwait(false);
            waiting = gateway.RequestAsync<string, string>(archivistId, $"conversation {context.ConversationId}",
                new RequestOptions { RequestId = requestId, Timeout = context.Timeout }, ct);
            console.Bus(instanceId, $"agent|{archivistId}", $"request {requestId} (the reply is to come on reply|{instanceId})");
            await archivist.Requested.WaitAsync(context.Timeout, ct).ConfigureAwait(false);
            console.Dim("the archivist has the request and takes its time");
        }
        finally
        {
            await before.DisposeAsync().ConfigureAwait(false);
        }

        string? firstOutcome = null;
        try
        {
            await waiting.WaitAsync(context.Timeout, ct).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            firstOutcome = "ObjectDisposedException";
        }

        console.Warn($"{instanceId} stopped before the reply: its RequestAsync ended with {firstOutcome ?? "a reply (too early)"}");
        checks.Verify(firstOutcome is not null, "the first gateway was gone before the reply", "its wait ended with ObjectDisposedException");

        archivist.Release();
        await archivist.Replied.WaitAsync(context.Timeout, ct).ConfigureAwait(false);
        console.Bus($"agent|{archivistId}", $"reply|{instanceId}", "reply sent while no gateway instance runs; the broker keeps it");

        await using var after = await context.ConnectAsync(instanceId, ct).ConfigureAwait(false);
        var restarted = await after.CreateAgentAsync("gateway", ct: ct).ConfigureAwait(false);
        console.Info($"{instanceId} restarted (a new connection, the same InstanceId) and attaches to {requestId}");
        string reply = await restarted.AttachAsync<string>(requestId, context.Timeout, ct).ConfigureAwait(false);
        console.Bus($"reply|{instanceId}", instanceId, $"\"{reply}\"");

        checks.Verify(reply.Contains(requestId, StringComparison.Ordinal), "the restarted gateway got the reply to its request", requestId);
        checks.Verify(archivist.Requests == 1, "the archivist answered once; nothing was asked again", $"{archivist.Requests} handler run(s)");
    }
}
