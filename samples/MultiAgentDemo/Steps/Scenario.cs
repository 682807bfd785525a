using System.Diagnostics;
using System.Globalization;
using AgentBus;
using Spectre.Console;

namespace MultiAgentDemo.Steps;

/// <summary>Runs the steps in order, each verified, then prints the summary. A failed step does not stop the others.</summary>
internal static class Scenario
{
    public static IReadOnlyList<DemoStep> Steps { get; } =
    [
        new SendToStep(),
        new RequestStep(),
        new StreamStep(),
        new SessionResumeStep(),
        new ReplyRoutingStep(),
        new ReattachStep(),
        new PresenceAndHistoryStep(),
    ];

    /// <returns>The reports, one per step.</returns>
    public static async Task<IReadOnlyList<StepReport>> RunAsync(DemoContext context, CancellationToken ct)
    {
        var console = context.Console;
        var reports = new List<StepReport>();
        for (int i = 0; i < Steps.Count; i++)
        {
            var step = Steps[i];
            var report = new StepReport(i + 1, step);
            reports.Add(report);
            console.Rule($"Step {report.Number}/{Steps.Count} · {step.Name}: {step.Title}");
            console.Dim($"API: {step.Api}");
            if (step.SkipReason(context) is { } reason)
            {
                report.Skipped = reason;
                console.Warn($"Step {report.Number} skipped: {reason}");
                continue;
            }

            var clock = Stopwatch.StartNew();
            try
            {
                await step.RunAsync(context, new StepChecks(report, console), ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AgentBusException or TimeoutException or OperationCanceledException or ObjectDisposedException
                                           or InvalidOperationException or System.Text.Json.JsonException)
            {
                // A step that cannot finish is a failed step with its reason, not a crash of the demo.
                report.Error = $"{ex.GetType().Name}: {ex.Message}";
            }

            report.Elapsed = clock.Elapsed;
            if (report.Passed)
            {
                console.Line($"  [green]Step {report.Number} passed[/] [grey]in {Ms(report.Elapsed)}[/]");
            }
            else
            {
                console.Line($"  [red]Step {report.Number} FAILED[/]{(report.Error is null ? "" : ": " + Markup.Escape(report.Error))}");
            }
        }

        return reports;
    }

    public static void PrintSummary(DemoContext context, IReadOnlyList<StepReport> reports, TimeSpan total)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Summary[/]")
            .AddColumns("#", "capability", "API", "checks", "time", "result");
        foreach (var r in reports)
        {
            string result = r.Skipped is not null ? "[yellow]skipped[/]" : r.Passed ? "[green]passed[/]" : "[red]FAILED[/]";
            string checks = r.Skipped is not null ? "-" : $"{r.Checks.Count(static c => c.Passed)}/{r.Checks.Count}";
            table.AddRow(r.Number.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Step.Name), Markup.Escape(r.Step.Api), checks,
                r.Skipped is not null ? "-" : Ms(r.Elapsed), result);
        }

        context.Console.Write(table);
        int failed = reports.Count(static r => r.Failed);
        int skipped = reports.Count(static r => r.Skipped is not null);
        int passed = reports.Count(static r => r.Passed);
        string tail = skipped == 0 ? "" : $", {skipped} skipped";
        context.Console.Line(failed == 0
            ? $"[green]All {passed} steps passed[/]{tail} in {Ms(total)} ({Markup.Escape(context.Model.Description)})."
            : $"[red]{failed} of {reports.Count} steps FAILED[/]{tail} in {Ms(total)}.");
    }

    private static string Ms(TimeSpan time) => time.TotalSeconds >= 1
        ? time.TotalSeconds.ToString("0.00 s", CultureInfo.InvariantCulture)
        : time.TotalMilliseconds.ToString("0 ms", CultureInfo.InvariantCulture);
}
