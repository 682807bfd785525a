using MultiAgentDemo.Display;

namespace MultiAgentDemo.Steps;

/// <summary>A step's checks: each is printed as it is made and recorded for the summary.</summary>
internal sealed class StepChecks(StepReport report, DemoConsole console)
{
    public bool Verify(bool passed, string text, string? detail = null)
    {
        report.Add(text, passed);
        console.Check(text, passed, detail);
        return passed;
    }
}
