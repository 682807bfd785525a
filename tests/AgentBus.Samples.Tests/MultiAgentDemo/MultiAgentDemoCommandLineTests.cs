using AgentBus.Samples.Tests.Infrastructure;
using MultiAgentDemo;
using MultiAgentDemo.Display;

namespace AgentBus.Samples.Tests.MultiAgentDemo;

/// <summary>samples/MultiAgentDemo's command line: bad arguments are a clear message and exit code 2, never a stack trace.</summary>
public sealed class MultiAgentDemoCommandLineTests
{
    [Theory]
    [InlineData("Unknown argument '--bogus'", "--bogus")]
    [InlineData("--question needs a value", "--question")]
    [InlineData("--role must be one of gateway, planner, researcher, writer, not 'broker'", "--role", "broker", "--broker", "127.0.0.1:8081")]
    [InlineData("--role writer needs --broker HOST:PORT", "--role", "writer")]
    [InlineData("--broker must be host:port", "--broker", "no-port")]
    [InlineData("--broker must be host:port", "--broker", "127.0.0.1:70000")]
    [InlineData("--timeout-s must be a whole number from 1 to 3600, not '0'", "--timeout-s", "0")]
    [InlineData("--endpoint must be an http(s) URL", "--endpoint", "ftp://models")]
    public async Task A_bad_argument_says_what_is_wrong_and_exits_with_2(string message, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exitCode = await Program.RunAsync(args, new DemoConsole(output, interactive: false), output, error);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--help", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task As_a_process_a_bad_argument_is_one_clear_line_and_exit_code_2_without_a_stack_trace()
    {
        await using var demo = DemoProcess.StartSample("MultiAgentDemo", "--role", "planner");

        Assert.Equal(2, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(demo.Output, line => line.Contains("--role planner needs --broker HOST:PORT", StringComparison.Ordinal));
        Assert.DoesNotContain(demo.Output, line => line.Contains("Exception", StringComparison.Ordinal) || line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_prints_the_usage_and_exits_0()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(0, await Program.RunAsync(["--help"], new DemoConsole(output, interactive: false), output, error));
        Assert.Contains("--role ROLE", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("OPENAI_API_KEY", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_that_cannot_be_reached_is_one_line_and_exit_code_1()
    {
        using var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        int port = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        free.Stop(); // nobody listens there now

        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await Program.RunAsync(["--broker", $"127.0.0.1:{port}", "--offline"], new DemoConsole(output, interactive: false), output, error)
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains($"Cannot reach the broker at 127.0.0.1:{port}", output.ToString(), StringComparison.Ordinal);
    }
}
