using System.Diagnostics;
using AgentBus;
using MultiAgentDemo.Team;
using Spectre.Console;

namespace MultiAgentDemo.Steps;

/// <summary>Step 5: two instances of one gateway agent ask at the same time; each reply reaches the instance that asked.</summary>
internal sealed partial class ReplyRoutingStep : DemoStep
{
    private const int RequestsPerGateway = 3;

    public override string Name => "Reply routing";

    public override string Title => "two gateway instances ask at once; each reply reaches the instance that asked";

    public override string Api => "AgentBusOptions.InstanceId, RequestAsync (reply|<instance>)";

    public override async Task RunAsync(DemoContext context, StepChecks checks, CancellationToken ct)
    {
        var console = context.Console;
        var clients = new[]
        {
            context.Own(await context.ConnectAsync($"gateway-a-{context.RunId[..4]}", ct).ConfigureAwait(false)),
            context.Own(await context.ConnectAsync($"gateway-b-{context.RunId[..4]}", ct).ConfigureAwait(false)),
        };
        var gateways = new List<Agent>();
        foreach (var client in clients)
        {
            gateways.Add(await client.CreateAgentAsync("gateway", ct: ct).ConfigureAwait(false));
            console.Info($"gateway instance {client.InstanceId}: its replies come on {LiteTopicNames.ForInstance(client.InstanceId)}");
        }

        var asks = gateways.SelectMany(gateway => Enumerable.Range(1, RequestsPerGateway).Select(n => AskAsync(gateway, n, context, ct))).ToList();
        console.Info($"{asks.Count} requests to the researcher in flight at once");
        var answers = await console.WaitingAsync("waiting for the replies", () => Task.WhenAll(asks)).ConfigureAwait(false);

        var table = new Table().Border(TableBorder.Rounded).AddColumns("asked by", "question", "reply came on", "answer names", "ms");
        foreach (var a in answers)
        {
            table.AddRow(a.AskedBy, Markup.Escape(a.Tag), LiteTopicNames.ForInstance(a.AskedBy), Markup.Escape(a.NamedTag ?? "-"), a.Milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(new Padder(table, new Padding(2, 0, 0, 0)));
        checks.Verify(answers.Length == clients.Length * RequestsPerGateway && answers.All(static a => a.Reply.Length > 0),
            "every request got its reply", $"{answers.Length} of {clients.Length * RequestsPerGateway}");
        // The reply to a request completes it only in the client whose reply topic it came on; the answer names the
        // question it answers, so a reply delivered to the wrong instance would show another instance's tag.
        bool own = context.Model.IsOffline
            ? answers.All(static a => a.NamedTag == a.Tag)
            : answers.All(static a => a.NamedTag is null || a.NamedTag == a.Tag);
        checks.Verify(own, "each reply reached the instance that asked", "every answer names the asking instance's own question");
    }

    private static async Task<Answer> AskAsync(Agent gateway, int number, DemoContext context, CancellationToken ct)
    {
        string tag = $"[{gateway.Bus.InstanceId} #{number}]";
        var clock = Stopwatch.StartNew();
        string reply = await gateway.RequestAsync<string, string>(TeamAgents.Researcher, $"{tag} {context.Question}",
            new RequestOptions { Timeout = context.Timeout }, ct).ConfigureAwait(false);
        string? named = TagPattern().Match(reply) is { Success: true } match ? match.Value : null;
        return new Answer(gateway.Bus.InstanceId, tag, reply, named, clock.ElapsedMilliseconds);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[gateway-[ab]-[0-9a-f]{4} #\d+\]")]
    private static partial System.Text.RegularExpressions.Regex TagPattern();

    private sealed record Answer(string AskedBy, string Tag, string Reply, string? NamedTag, long Milliseconds);
}
