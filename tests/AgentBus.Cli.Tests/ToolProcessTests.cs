using System.Diagnostics;

namespace AgentBus.Cli.Tests;

/// <summary>The built agentbus program run as its own process, as a user's shell runs it.</summary>
public sealed class ToolProcessTests
{
    private static async Task<CliRun> RunProcessAsync(params string[] args)
    {
        // The program is built beside the tests (a project reference): run its entry assembly with the host.
        string program = Path.Combine(AppContext.BaseDirectory, "AgentBus.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(program);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("AGENTBUS_ENDPOINT");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CliRun(process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task The_program_lists_a_live_agent_and_reports_a_bad_endpoint_with_its_exit_code()
    {
        await using var broker = await BusBroker.StartAsync();
        await using var bus = await broker.ConnectAsync();
        await using var agent = await bus.CreateAgentAsync("planner", (_, _) => ValueTask.CompletedTask);

        var listed = await RunProcessAsync("agents", "--json", "--endpoint", broker.Endpoint);
        var unreachable = await RunProcessAsync("stats", "--endpoint", "127.0.0.1:1", "--timeout", "1");
        var usage = await RunProcessAsync("lite", "peek");

        var agents = listed.Json();
        Assert.Equal("planner", Assert.Single(agents.EnumerateArray()).GetProperty("agentId").GetString());
        Assert.Equal(ExitCodes.Unreachable, unreachable.ExitCode);
        Assert.StartsWith("agentbus: cannot reach the broker at 127.0.0.1:1", unreachable.Error, StringComparison.Ordinal);
        Assert.Single(unreachable.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
    }
}
