using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentBus.Samples.Tests.Infrastructure;
using GatewayDemo;
using GatewayDemo.Worker;

namespace AgentBus.Samples.Tests.GatewayDemo;

/// <summary>samples/GatewayDemo's command line: the worker role as its own process, and bad arguments.</summary>
public sealed class GatewayDemoCommandLineTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_worker_process_serves_both_gateways_and_stops_cleanly_on_SIGTERM()
    {
        await using var cluster = await GatewayCluster.StartAsync(inProcessWriter: false);
        string dll = Path.Combine(AppContext.BaseDirectory, "GatewayDemo.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { dll, "--role", "worker", "--broker", cluster.Broker.Endpoint, "--instance", "worker-process", "--word-delay-ms", "0" })
        {
            start.ArgumentList.Add(arg);
        }

        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var worker = new Process { StartInfo = start };
        worker.OutputDataReceived += (_, e) => Collect(e.Data);
        worker.ErrorDataReceived += (_, e) => Collect(e.Data);
        Assert.True(worker.Start());
        try
        {
            worker.BeginOutputReadLine();
            worker.BeginErrorReadLine();
            await serving.Task.WaitAsync(Wait);

            foreach (var gateway in new[] { cluster.Gateway1, cluster.Gateway2 })
            {
                using var response = await gateway.Http.PostAsJsonAsync("/agents/writer/ask", new { question = "who answers?" });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var reply = body.RootElement.GetProperty("reply");
                Assert.Equal("worker-process", reply.GetProperty("worker").GetString());
                Assert.Equal(LiteTopicNames.ForInstance(gateway.InstanceId), reply.GetProperty("replyTopic").GetString());
            }

            // SIGTERM, as a service manager stops it (.NET has no API to send it; the system's kill does).
            using (var kill = Process.Start("kill", ["-TERM", worker.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().WaitAsync(Wait);
                Assert.Equal(0, kill.ExitCode);
            }

            await worker.WaitForExitAsync().WaitAsync(Wait);
            Assert.True(worker.ExitCode == 0, "The worker exited with " + worker.ExitCode + ":\n" + string.Join("\n", output));

            // A worker that stopped cleanly leaves at once: the gateway fails fast instead of queueing for it.
            using var gone = await cluster.Gateway1.Http.PostAsJsonAsync("/agents/writer/ask", new { question = "anyone?" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
            }
        }

        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            if (line.Contains($"Worker agent '{WriterAgent.AgentId}' serving on instance worker-process", StringComparison.Ordinal))
            {
                serving.TrySetResult();
            }
        }
    }

    [Theory]
    [InlineData("--port", "http")]
    [InlineData("--port", "70000")]
    [InlineData("--role", "broker")]
    [InlineData("--broker", "no-port")]
    [InlineData("--worker", "maybe")]
    [InlineData("--role", "worker")] // a worker needs --broker
    public async Task A_bad_command_line_exits_with_2(string name, string value)
    {
        Assert.Equal(2, await Program.Main([name, value]));
    }

    [Fact]
    public void The_options_say_which_argument_is_wrong_and_default_sensibly()
    {
        var error = Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--timeout-ms", "0"]));
        Assert.Contains("--timeout-ms", error.Message, StringComparison.Ordinal);

        var embedded = DemoOptions.Parse([]);
        Assert.Equal(("gateway", "gateway-1", 5001, 7081, true, true), (embedded.Role, embedded.InstanceId, embedded.Port, embedded.BrokerPort, embedded.HostWorker, embedded.RequireLiveAgent));

        var connected = DemoOptions.Parse(["--instance", "gateway-2", "--port", "5002", "--broker", "127.0.0.1:7081"]);
        Assert.Equal(("gateway-2", 5002, "127.0.0.1:7081", false), (connected.InstanceId, connected.Port, connected.Broker, connected.HostWorker));
    }
}
