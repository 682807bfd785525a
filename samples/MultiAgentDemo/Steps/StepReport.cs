namespace MultiAgentDemo.Steps;

/// <summary>What one step did: its checks, its time, or why it was skipped or failed.</summary>
internal sealed class StepReport(int number, DemoStep step)
{
    private readonly List<(string Text, bool Passed)> _checks = [];

    public int Number { get; } = number;

    public DemoStep Step { get; } = step;

    public TimeSpan Elapsed { get; set; }

    public string? Skipped { get; set; }

    public string? Error { get; set; }

    public IReadOnlyList<(string Text, bool Passed)> Checks => _checks;

    /// <summary>Passed: not skipped, no error, at least one check and every check true.</summary>
    public bool Passed => Skipped is null && Error is null && _checks.Count > 0 && _checks.TrueForAll(static c => c.Passed);

    public bool Failed => Skipped is null && !Passed;

    public void Add(string text, bool passed) => _checks.Add((text, passed));
}
