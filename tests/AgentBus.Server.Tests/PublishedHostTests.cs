using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AgentBus.Client;
using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming;
using AgentBus.Server.Tests.Infrastructure;

namespace AgentBus.Server.Tests;

/// <summary>
/// The broker as it ships: published self-contained as one file for linux-x64 (docs/operations.md), started on a free
/// port, used by a client over gRPC and stopped with SIGTERM as a service manager stops it. The test publishes into
/// a temporary folder, or takes the folder AGENTBUS_PUBLISHED_HOST names (a publish already made with that command).
/// Its build runs in an artifacts folder of its own, kept in the temporary directory between runs: a publish for a
/// runtime restores the projects for it, which in the source tree would make the next ordinary build compile
/// everything again. The first run compiles the broker once more (a minute or two); later runs take seconds.
/// </summary>
public sealed partial class PublishedHostTests : IDisposable
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _work = Path.Combine(Path.GetTempPath(), "agentbus-published-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_single_file_broker_serves_a_client_and_exits_cleanly_on_sigterm()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the published runtime is linux-x64
        }

        string executable = await PublishedExecutableAsync();
        await using var host = HostProcess.StartExecutable(executable, "--urls", "http://127.0.0.1:0", $"--Broker:DataDirectory={Path.Combine(_work, "data")}",
            "--Broker:Topics:0:Name=orders", "--Broker:Topics:0:MessageType=Normal", "--Broker:Groups:0:Name=billing");
        string listening = await host.WaitForLineAsync("AgentBus broker listening on", Timeout);
        var address = new Uri(ListeningAddress().Match(listening).Groups[1].Value);

        var provider = new ClientServiceProvider(new ClientConfiguration { Endpoints = $"127.0.0.1:{address.Port}", RequestTimeout = TimeSpan.FromSeconds(5) });
        await using (var producer = await provider.NewProducerBuilder().SetTopics("orders").BuildAsync())
        {
            await producer.SendAsync(provider.NewMessageBuilder().SetTopic("orders").SetTag("paid").SetBody("order-1").Build());
        }

        await using (var consumer = await provider.NewSimpleConsumerBuilder().SetConsumerGroup("billing")
            .Subscribe("orders", FilterExpression.All).SetAwaitDuration(TimeSpan.FromSeconds(2)).BuildAsync())
        {
            var bodies = new List<string>();
            for (int round = 0; round < 10 && bodies.Count == 0; round++)
            {
                foreach (var message in await consumer.ReceiveAsync(16, TimeSpan.FromSeconds(30)))
                {
                    bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
                    await consumer.AckAsync(message);
                }
            }

            Assert.Equal(["order-1"], bodies);
        }

        Assert.Equal(0, await host.TerminateAsync(Timeout));
        Assert.DoesNotContain(host.Output.Concat(host.Errors), line => line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    /// <summary>The published executable: from AGENTBUS_PUBLISHED_HOST, or published now with the documented command.</summary>
    private async Task<string> PublishedExecutableAsync()
    {
        if (Environment.GetEnvironmentVariable("AGENTBUS_PUBLISHED_HOST") is { Length: > 0 } published)
        {
            string given = Path.Combine(published, "AgentBus.Server.Host");
            Assert.True(File.Exists(given), $"AGENTBUS_PUBLISHED_HOST names no published broker: {given} is missing.");
            return given;
        }

        string output = Path.Combine(_work, "publish");
        string root = HostProcess.RepositoryRoot();
        string project = Path.Combine(root, "src", "AgentBus.Server.Host", "AgentBus.Server.Host.csproj");
        string artifacts = Path.Combine(Path.GetTempPath(), "agentbus-publish-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..12]);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[]
        {
            "publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:PublishSingleFile=true", "-o", output,
            "--artifacts-path", artifacts, "-nodeReuse:false",
        })
        {
            start.ArgumentList.Add(arg);
        }

        // The test host's own MSBuild settings must not steer the nested build.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILD_EXE_PATH").ToList())
        {
            start.Environment.Remove(name);
        }

        using var publish = Process.Start(start)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        try
        {
            await publish.WaitForExitAsync().WaitAsync(PublishTimeout);
        }
        catch (TimeoutException)
        {
            publish.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet publish did not finish within {PublishTimeout}.");
        }

        Assert.True(publish.ExitCode == 0, $"dotnet publish failed ({publish.ExitCode}):\n{await stdout}\n{await stderr}");
        string executable = Path.Combine(output, "AgentBus.Server.Host");
        Assert.True(File.Exists(executable), $"dotnet publish made no {executable}.");
        // One file: no managed assemblies beside it (symbols, docs and settings may be).
        Assert.Empty(Directory.GetFiles(output, "*.dll"));
        return executable;
    }

    [GeneratedRegex(@"AgentBus broker listening on (\S+)")]
    private static partial Regex ListeningAddress();
}
