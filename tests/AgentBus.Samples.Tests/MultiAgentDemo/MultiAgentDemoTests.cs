using AgentBus.Samples.Tests.Infrastructure;
using MultiAgentDemo;
using MultiAgentDemo.Display;
using MultiAgentDemo.Steps;

namespace AgentBus.Samples.Tests.MultiAgentDemo;

/// <summary>samples/MultiAgentDemo's main path: the whole team on the embedded broker, every step run and verified.</summary>
public sealed class MultiAgentDemoTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_demo_as_a_process_runs_every_step_with_its_checks_passed_and_exits_0()
    {
        await using var demo = DemoProcess.StartSample("MultiAgentDemo", "--offline");

        int exitCode = await demo.WaitForExitAsync(Wait);

        string output = string.Join("\n", demo.Output);
        Assert.True(exitCode == 0, "exit code " + exitCode + ":\n" + output);
        for (int i = 0; i < Scenario.Steps.Count; i++)
        {
            var step = Scenario.Steps[i];
            Assert.Contains($"Step {i + 1}/{Scenario.Steps.Count} · {step.Name}", output, StringComparison.Ordinal);
            Assert.Contains($"Step {i + 1} passed", output, StringComparison.Ordinal);
        }

        Assert.Contains($"All {Scenario.Steps.Count} steps passed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
        Assert.DoesNotContain(demo.Output, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal)); // no stack trace
    }

    [Fact]
    public async Task In_process_every_check_is_made_and_passes_and_the_tool_call_and_the_tokens_are_shown()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exitCode = await Program.RunAsync(["--offline", "--token-delay-ms", "0", "--question", "Why do sessions keep their order?"],
            new DemoConsole(output, interactive: false), output, error).WaitAsync(Wait);

        string text = output.ToString();
        Assert.True(exitCode == 0, text + error);
        Assert.Equal("", error.ToString());
        Assert.Contains("planner's model calls ask_agent(agentId: \"researcher\", message: \"Why do sessions keep their order?\")", text, StringComparison.Ordinal);
        Assert.Contains("tokens: You asked: Why do sessions keep their order?", text, StringComparison.Ordinal);
        Assert.Contains("ObjectDisposedException", text, StringComparison.Ordinal);
        int checks = text.Split('\n').Count(line => line.Contains("✔ check passed:", StringComparison.Ordinal));
        Assert.True(checks >= 20, $"{checks} checks passed:\n{text}");
        Assert.DoesNotContain("✘", text, StringComparison.Ordinal);
    }
}
