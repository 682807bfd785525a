using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AgentBus.Server.Tests.Infrastructure;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace AgentBus.Server.Tests;

/// <summary>The standalone broker as an operator runs it: its own process, its appsettings.json, its exit codes.</summary>
public sealed partial class HostProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "agentbus-host-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_misspelt_key_ends_the_broker_with_one_line_and_exit_code_2()
    {
        await using var host = HostProcess.Start("--Server:Prot=1234", $"--Broker:DataDirectory={_data}");

        int exitCode = await host.WaitForExitAsync(Timeout);

        Assert.Equal(2, exitCode);
        string line = Assert.Single(host.Errors);
        Assert.StartsWith("agentbus: configuration error: Unknown configuration key 'Server:Prot'. Did you mean 'Server:Port'? Known keys under 'Server': Address, Port,", line, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Output.Concat(host.Errors), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.False(Directory.Exists(_data), "The broker opened its data folder before refusing its configuration.");
    }

    [Fact]
    public async Task A_misspelt_environment_variable_is_refused_too()
    {
        await using var host = HostProcess.Start($"--Broker:DataDirectory={_data}", "--Broker:Groups:0:Name=g", "--Broker:Groups:0:LiteMod=Exclusive");

        Assert.Equal(2, await host.WaitForExitAsync(Timeout));
        Assert.Contains("Unknown configuration key 'Broker:Groups:0:LiteMod'. Did you mean 'Broker:Groups:0:LiteMode'?", Assert.Single(host.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Urls_on_the_command_line_are_where_the_broker_listens_and_a_client_reset_logs_no_stack_trace()
    {
        await using var host = HostProcess.Start("--urls", "http://127.0.0.1:0", $"--Broker:DataDirectory={_data}");
        string listening = await host.WaitForLineAsync("AgentBus broker listening on", Timeout);
        var address = new Uri(ListeningAddress().Match(listening).Groups[1].Value);
        Assert.NotEqual(8081, address.Port);

        using (var channel = GrpcChannel.ForAddress(address))
        {
            var reply = await new Health.HealthClient(channel).CheckAsync(
                new HealthCheckRequest { Service = "apache.rocketmq.v2.MessagingService" }, deadline: DateTime.UtcNow.AddSeconds(10));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        }

        // A client killed under an open Telemetry stream: the broker notes the stream closed, and nothing else.
        string clientId = "killed-" + Guid.NewGuid().ToString("N")[..8];
        using (var resettable = new ResettableChannel(address))
        using (await resettable.OpenTelemetryAsync(clientId))
        {
            resettable.Reset();
        }

        await host.WaitForLineAsync($"Telemetry stream of client {clientId} closed", Timeout);
        var all = host.Output.Concat(host.Errors).ToList();
        Assert.DoesNotContain(all, l => l.Contains("connection faulted", StringComparison.OrdinalIgnoreCase) || l.Contains("Error reading message", StringComparison.Ordinal));
        Assert.DoesNotContain(all, l => l.Contains("Overriding address", StringComparison.Ordinal));

        Assert.Equal(0, await host.TerminateAsync(Timeout));
    }

    [Fact]
    public async Task An_https_url_without_a_certificate_is_refused()
    {
        await using var host = HostProcess.Start("--urls", "https://127.0.0.1:0", $"--Broker:DataDirectory={_data}");

        Assert.Equal(2, await host.WaitForExitAsync(Timeout));
        Assert.Contains("is https but no certificate is configured", Assert.Single(host.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_ends_the_broker_with_one_line_and_exit_code_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var host = HostProcess.Start($"--Server:Port={port}", $"--Broker:DataDirectory={_data}");

        Assert.Equal(1, await host.WaitForExitAsync(Timeout));
        Assert.Equal($"agentbus: the broker could not start: Failed to bind to address http://127.0.0.1:{port}: address already in use.", Assert.Single(host.Errors));
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [GeneratedRegex(@"AgentBus broker listening on (\S+)")]
    private static partial Regex ListeningAddress();
}
