using System.Runtime.InteropServices;
using AgentBus;
using AgentBus.Client.Errors;
using AgentBus.Server.Embedded;
using GatewayDemo.Worker;
using Microsoft.Extensions.Logging;

namespace GatewayDemo;

/// <summary>
/// <c>dotnet run --project samples/GatewayDemo -- [--role gateway|worker] ...</c>: a gateway instance (with an
/// embedded broker and an in-process worker unless told otherwise) or a worker process. See README.md.
/// </summary>
public static class Program
{
    /// <summary>Runs the role the command line asks for until Ctrl+C or SIGTERM.</summary>
    /// <param name="args">See <see cref="DemoOptions.Usage"/>.</param>
    /// <returns>0; 2 for a bad command line; 1 when the broker, the connection or the port cannot be had.</returns>
    public static async Task<int> Main(string[] args)
    {
        if (args.Any(arg => arg is "--help" or "-h"))
        {
            Console.WriteLine(DemoOptions.Usage);
            return 0;
        }

        DemoOptions options;
        try
        {
            options = DemoOptions.Parse(args);
            if (options.Role == DemoOptions.WorkerRole && options.Broker is null)
            {
                throw new ArgumentException("--role worker needs --broker HOST:PORT (the broker a gateway started, or a standalone one).");
            }
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(DemoOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        // The bus and an embedded broker log what matters (connections, warnings), not every gRPC call; a start that
        // fails is reported below, in one line.
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true)
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None)
            .AddFilter("Grpc", LogLevel.Warning)
            .AddFilter("AgentBus.Client", LogLevel.Warning)
            .AddFilter("AgentBus.Server", LogLevel.Warning)
            .AddFilter("AgentBus.Broker", LogLevel.Warning));
        EmbeddedBroker? broker = null;
        try
        {
            if (options.Broker is null)
            {
                broker = await StartBrokerAsync(options.BrokerPort, loggerFactory).ConfigureAwait(false);
                if (broker is null)
                {
                    return 1;
                }
            }

            await using var bus = await ConnectAsync(options, broker, loggerFactory).ConfigureAwait(false);
            if (bus is null)
            {
                return 1;
            }

            if (broker is not null)
            {
                Console.WriteLine($"Embedded broker on {broker.Endpoint}: connect more gateways and workers with --broker {broker.Endpoint}");
            }

            if (options.HostWorker)
            {
                await bus.CreateAgentAsync(WriterAgent.AgentId, new WriterAgent(options.WordDelay).HandleAsync).ConfigureAwait(false);
                Console.WriteLine($"Worker agent '{WriterAgent.AgentId}' serving on instance {bus.InstanceId}");
            }

            if (options.Role == DemoOptions.WorkerRole)
            {
                await StoppedAsync().ConfigureAwait(false);
                return 0;
            }

            await using var app = GatewayApp.Build(args, bus, builder => builder.Logging.ClearProviders()
                .AddSimpleConsole(console => console.SingleLine = true)
                .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
                .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None));
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"Cannot listen on 127.0.0.1:{options.Port} ({ex.Message}); pick another with --port.").ConfigureAwait(false);
                return 1;
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        }
        finally
        {
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<EmbeddedBroker?> StartBrokerAsync(int port, ILoggerFactory loggerFactory)
    {
        try
        {
            return await DemoBroker.StartAsync(port, loggerFactory).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"Cannot start the embedded broker on 127.0.0.1:{port} ({ex.Message}); pick another port with " +
                "--broker-port, or connect to a running broker with --broker HOST:PORT.").ConfigureAwait(false);
            return null;
        }
    }

    private static async Task<AgentBusClient?> ConnectAsync(DemoOptions options, EmbeddedBroker? broker, ILoggerFactory loggerFactory)
    {
        string endpoints = options.Broker ?? broker!.Endpoint;
        try
        {
            return await AgentBusClient.ConnectAsync(new AgentBusOptions
            {
                Endpoints = endpoints,
                InstanceId = options.InstanceId,
                RequestTimeout = options.Timeout,
                LoggerFactory = loggerFactory,
            }).ConfigureAwait(false);
        }
        catch (ClientException ex)
        {
            await Console.Error.WriteLineAsync($"Cannot connect to the broker at {endpoints}: {ex.Message}").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Completes on Ctrl+C or SIGTERM (a worker has no web host to wait on).</summary>
    private static async Task StoppedAsync()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        await stopped.Task.ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // shut down in order: agents finish their handlers, then the connection closes
            stopped.TrySetResult();
        }
    }
}
