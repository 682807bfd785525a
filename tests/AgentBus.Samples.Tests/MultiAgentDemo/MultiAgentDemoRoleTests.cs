using AgentBus.Samples.Tests.Infrastructure;
using AgentBus.TestUtilities;

namespace AgentBus.Samples.Tests.MultiAgentDemo;

/// <summary>The four-terminal version: a standalone broker, the planner, researcher and writer as their own processes, and the gateway role.</summary>
public sealed class MultiAgentDemoRoleTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Role_processes_on_one_broker_answer_the_gateway_role_and_stop_cleanly()
    {
        await using var broker = await BusBroker.StartAsync(); // the standalone broker's stand-in, the bus's topic and groups declared
        string[] roles = ["planner", "researcher", "writer"];
        var workers = new List<DemoProcess>();
        try
        {
            foreach (string role in roles)
            {
                workers.Add(DemoProcess.StartSample("MultiAgentDemo", "--role", role, "--broker", broker.Endpoint, "--offline", "--token-delay-ms", "0"));
            }

            for (int i = 0; i < roles.Length; i++)
            {
                await workers[i].WaitForLineAsync($"{roles[i]} serving on {broker.Endpoint}", Wait);
            }

            await using var gateway = DemoProcess.StartSample("MultiAgentDemo", "--role", "gateway", "--broker", broker.Endpoint, "--offline",
                "--question", "How does a stream resume after a broken connection?");
            int exitCode = await gateway.WaitForExitAsync(Wait);

            string output = string.Join("\n", gateway.Output);
            Assert.True(exitCode == 0, output);
            foreach (string role in roles)
            {
                Assert.Contains($"{role}: running", output, StringComparison.Ordinal);
            }

            // The answer came back through the worker processes: the planner asked the researcher, the writer streamed.
            Assert.Contains("planner's model calls ask_agent(agentId: \"researcher\"", output, StringComparison.Ordinal);
            Assert.Contains("tokens: You asked: How does a stream resume after a broken connection? In short:", output, StringComparison.Ordinal);
            Assert.Contains("Step 4 skipped: needs a worker in this process", output, StringComparison.Ordinal);
            Assert.Contains("All 6 steps passed, 1 skipped", output, StringComparison.Ordinal);

            foreach (var worker in workers)
            {
                Assert.Equal(0, await worker.TerminateAsync(Wait));
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }
}
