using System.Diagnostics;
using System.Runtime.InteropServices;
using AgentBus;
using AgentBus.Client.Errors;
using MultiAgentDemo.Display;
using MultiAgentDemo.Model;
using MultiAgentDemo.Roles;
using MultiAgentDemo.Steps;
using MultiAgentDemo.Team;

namespace MultiAgentDemo;

/// <summary>Connects (or starts the embedded broker), starts what the role needs, runs the steps or serves until stopped.</summary>
internal static class DemoRunner
{
    /// <returns>The exit code: 0 when every check passed, 1 otherwise or when the broker cannot be had.</returns>
    public static async Task<int> RunAsync(DemoOptions options, DemoConsole console, CancellationToken ct = default)
    {
        var model = ModelChoice.From(options);
        var total = Stopwatch.StartNew();
        AgentBusClient bus;
        try
        {
            var busOptions = new AgentBusOptions { InstanceId = InstanceFor(options.Role), RequestTimeout = options.Timeout, Endpoints = options.Broker };
            bus = options.Broker is null
                ? await AgentBusClient.StartEmbeddedAsync(busOptions, ct).ConfigureAwait(false)
                : await AgentBusClient.ConnectAsync(busOptions, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ClientException or IOException or AgentBusException)
        {
            console.Error($"Cannot {(options.Broker is null ? "start the embedded broker" : $"reach the broker at {options.Broker}")}: {ex.Message}");
            return 1;
        }

        await using (bus.ConfigureAwait(false))
        {
            if (options.Role is TeamAgents.Planner or TeamAgents.Researcher or TeamAgents.Writer)
            {
                return await WorkerRole.RunAsync(bus, model, options, console, ct).ConfigureAwait(false);
            }

            console.Title("AgentBus");
            console.Info($"broker: {(options.Broker is null ? $"embedded, on {bus.Endpoints}" : bus.Endpoints)} · model: {model.Description}");
            console.Info($"question: \"{options.Question}\"");
            if (model.IsOffline)
            {
                console.Dim("set OPENAI_API_KEY (and OPENAI_MODEL, OPENAI_BASE_URL for an OpenAI-compatible server) for a real model");
            }

            bool workersHere = options.Role is null;
            var workers = new List<IAsyncDisposable>();
            AgentBusClient? workerBus = null;
            try
            {
                if (workersHere)
                {
                    // The workers get their own connection, as they would in their own process (--role).
                    workerBus = await AgentBusClient.ConnectAsync(new AgentBusOptions
                    {
                        Endpoints = bus.Endpoints, InstanceId = "workers-" + Guid.NewGuid().ToString("N")[..6], RequestTimeout = options.Timeout,
                    }, ct).ConfigureAwait(false);
                    workers.AddRange(await TeamAgents.StartAsync(workerBus, model, role: null, options.Timeout).ConfigureAwait(false));
                    console.Info($"team: planner and researcher (Agent Framework ChatClientAgent), writer (Semantic Kernel) on instance {workerBus.InstanceId}");
                }
                else
                {
                    await GatewayRole.ReportPresenceAsync(bus, console, ct).ConfigureAwait(false);
                }

                var gateway = await bus.CreateAgentAsync("gateway", ct: ct).ConfigureAwait(false);
                await using var context = new DemoContext(bus, gateway, options, model, console, workersHere);
                var reports = await Scenario.RunAsync(context, ct).ConfigureAwait(false);
                Scenario.PrintSummary(context, reports, total.Elapsed);
                return reports.Any(static r => r.Failed) ? 1 : 0;
            }
            finally
            {
                foreach (var worker in workers)
                {
                    await worker.DisposeAsync().ConfigureAwait(false);
                }

                if (workerBus is not null)
                {
                    await workerBus.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static string InstanceFor(string? role) => role switch
    {
        null or "gateway" => "gateway-" + Guid.NewGuid().ToString("N")[..6],
        _ => $"{role}-{Guid.NewGuid().ToString("N")[..6]}",
    };

    /// <summary>Completes on Ctrl+C or SIGTERM, or when <paramref name="ct"/> is cancelled.</summary>
    internal static async Task StoppedAsync(CancellationToken ct)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var cancel = ct.Register(() => stopped.TrySetResult());
        await stopped.Task.ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // stop in order: the agents finish their handlers, then the connection closes
            stopped.TrySetResult();
        }
    }
}
