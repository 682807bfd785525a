using System.Diagnostics;

namespace AgentBus.Server.Tests;

/// <summary>
/// The standalone broker (src/AgentBus.Server.Host) as its own process, on a data directory whose metadata.json is
/// damaged with no intact copy: it refuses to start with the reason, once, and exit code 1; no stack trace, no abort.
/// </summary>
public sealed class HostStartRefusalTests
{
    [Fact]
    public async Task A_refused_start_ends_with_one_clear_line_and_exit_code_1()
    {
        string data = Path.Combine(Path.GetTempPath(), "agentbus-host-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(data, "metadata.json"), []);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(HostAssembly());
            start.ArgumentList.Add($"--Broker:DataDirectory={data}");
            start.ArgumentList.Add("--Server:Address=127.0.0.1");
            start.ArgumentList.Add("--Server:Port=0");
            using var host = Process.Start(start)!;
            var stdout = host.StandardOutput.ReadToEndAsync();
            var stderr = host.StandardError.ReadToEndAsync();
            try
            {
                await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                if (!host.HasExited)
                {
                    host.Kill(entireProcessTree: true);
                }
            }

            string output = await stdout + await stderr;
            Assert.Equal(1, host.ExitCode);
            string reason = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("The broker does not start: topic and group definitions in", reason, StringComparison.Ordinal);
            Assert.Contains("metadata.json: zero-length file", reason, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>The host's build output of the same configuration as this test's.</summary>
    private static string HostAssembly()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        string configuration = directory.Parent!.Name; // bin/<Configuration>/<framework>/
        string framework = directory.Name;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentBus.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        string path = Path.Combine(directory.FullName, "src", "AgentBus.Server.Host", "bin", configuration, framework, "AgentBus.Server.Host.dll");
        Assert.True(File.Exists(path), $"{path} was not built");
        return path;
    }
}
