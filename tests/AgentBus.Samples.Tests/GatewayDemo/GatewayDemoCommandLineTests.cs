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
        await using var worker = DemoProcess.Start("--role", "worker", "--broker", cluster.Broker.Endpoint, "--instance", "worker-process",
            "--word-delay-ms", "0");
        await worker.WaitForLineAsync($"Worker agent '{WriterAgent.AgentId}' serving on instance worker-process", Wait);

        foreach (var gateway in new[] { cluster.Gateway1, cluster.Gateway2 })
        {
            using var response = await gateway.Http.PostAsJsonAsync("/agents/writer/ask", new { question = "who answers?" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var reply = body.RootElement.GetProperty("reply");
            Assert.Equal("worker-process", reply.GetProperty("worker").GetString());
            Assert.Equal(LiteTopicNames.ForInstance(gateway.InstanceId), reply.GetProperty("replyTopic").GetString());
        }

        Assert.Equal(0, await worker.TerminateAsync(Wait));

        // A worker that stopped cleanly leaves at once: the gateway fails fast instead of queueing for it.
        using var gone = await cluster.Gateway1.Http.PostAsJsonAsync("/agents/writer/ask", new { question = "anyone?" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);
    }

    [Fact]
    public async Task A_single_gateway_process_with_its_embedded_broker_answers_and_shuts_down_in_order_on_SIGTERM()
    {
        await using var gateway = DemoProcess.Start("--instance", "gateway-1", "--port", "0", "--broker-port", "0", "--word-delay-ms", "0");
        string listening = await gateway.WaitForLineAsync("Now listening on: ", Wait);
        var address = new Uri(listening[(listening.IndexOf("http://", StringComparison.Ordinal))..].Trim());
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(address.Host)));
        using var http = new HttpClient { BaseAddress = address };

        using var response = await http.PostAsJsonAsync("/agents/writer/ask", new { question = "one process?" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("reply|gateway-1", body.RootElement.GetProperty("reply").GetProperty("replyTopic").GetString());

        // The gateway drains, then its bus closes, then the broker stops: no client ever sees the broker vanish.
        Assert.Equal(0, await gateway.TerminateAsync(Wait));
        Assert.DoesNotContain(gateway.Output, line => line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal));
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
    public async Task A_broker_that_cannot_be_reached_or_a_port_in_use_exits_with_1_instead_of_crashing()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(1, await Program.Main(["--role", "worker", "--broker", "127.0.0.1:" + port]).WaitAsync(Wait)); // listens, speaks no gRPC
        Assert.Equal(1, await Program.Main(["--broker-port", port, "--port", "0"]).WaitAsync(Wait));
        Assert.Equal(1, await Program.Main(["--broker-port", "0", "--port", port]).WaitAsync(Wait));
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
